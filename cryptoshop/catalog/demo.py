"""Demo data for a first look (`manage.py seed_demo`, run by `make run` on its first run).

A category tree, five stores (each owned by an account made with do_register, with shipping
options) and sixty listings created through catalog.actions, like a seller would: Markdown
descriptions, tags, specifications, sat and fiat prices, physical and digital goods, some
limited or sold-out stock, a few featured. Product pictures are drawn locally with Pillow
(gradients, shapes, the item's name) from a fixed seed: no downloads, the same every run.

Idempotent: categories are matched by slug, stores by slug, listings by store and title;
running it again creates nothing that already exists.
"""

from __future__ import annotations

import io
import logging
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from cryptoshop.accounts.actions import do_register
from cryptoshop.catalog.actions import ListingInput, do_add_image, do_create_listing
from cryptoshop.catalog.models import Category, Listing
from cryptoshop.core.errors import ActionError, ValidationFailed
from cryptoshop.stores.actions import (
    ShippingInput,
    StoreInput,
    do_add_shipping_option,
    do_open_store,
)
from cryptoshop.stores.models import Store

logger = logging.getLogger(__name__)

SEED = 21_000_000
IMAGE_SIDE = 640
CLIENT_IP = "seed_demo"  # rate-limit identity for the demo accounts' registration

# --- categories -------------------------------------------------------------------------------

# (slug, name, description, prohibited, children [(slug, name)])
CATEGORIES: list[tuple[str, str, str, bool, list[tuple[str, str]]]] = [
    ("electronics", "Electronics", "Signing devices, mining gear, computers and gadgets.", False,
     [("hardware-wallets", "Hardware wallets & backups"), ("mining", "Mining hardware"),
      ("computers", "Computers & parts"), ("phones", "Phones & accessories")]),
    ("books-media", "Books & media", "Printed books, records and audio.", False,
     [("books", "Books"), ("music", "Music & audio")]),
    ("home-kitchen", "Home & kitchen", "Coffee, tea, kitchenware and the garden.", False,
     [("coffee-tea", "Coffee & tea"), ("kitchen", "Kitchenware"), ("garden", "Garden")]),
    ("clothing", "Clothing & accessories", "Apparel, bags and small accessories.", False,
     [("apparel", "T-shirts & hoodies"), ("bags", "Bags & accessories")]),
    ("digital", "Digital goods", "Delivered on your order page after payment.", False,
     [("ebooks", "E-books"), ("software", "Software & licences"),
      ("courses", "Courses & guides")]),
    ("art-collectibles", "Art & collectibles", "Prints, coins and limited editions.", False,
     [("prints", "Art prints"), ("coins", "Coins & medals")]),
    ("weapons", "Weapons", "Not allowed on this marketplace.", True, []),
]

# --- stores -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSpec:
    slug: str
    name: str
    owner: str
    description: str
    policies: str
    shipping: list[tuple[str, str, int]]


STORES: list[StoreSpec] = [
    StoreSpec(
        "cold-storage-co", "Cold Storage Co.", "coldstorage_co",
        "Steel and titanium seed backups, signing devices and the small things that keep "
        "keys safe. Family workshop, engraving done in-house.",
        "Returns within 14 days if unused and sealed. Tamper-evident packaging on every "
        "order; we never keep your shipping address after delivery.",
        [("Tracked letter", "European Union", 15_000), ("Tracked parcel", "Worldwide", 40_000),
         ("Stealth packaging", "Worldwide", 55_000)],
    ),
    StoreSpec(
        "hashrate-hardware", "Hashrate Hardware", "hashrate_hw",
        "Refurbished and new mining hardware, node kits and parts. Every miner is "
        "bench-tested for 48 hours before it ships.",
        "30-day warranty on refurbished miners; 1 year on new parts. Heavy items ship by "
        "courier; the price shown is per unit.",
        [("Courier, insured", "European Union, United Kingdom", 90_000),
         ("Economy parcel", "Worldwide", 60_000)],
    ),
    StoreSpec(
        "orange-pill-books", "The Orange Pill Bookshop", "orangepill_books",
        "New and second-hand books on money, privacy and cryptography, plus e-books, "
        "guides and records.",
        "Digital goods are delivered on your order page once payment is confirmed. Books "
        "ship in recycled cardboard.",
        [("Book post", "Worldwide", 12_000), ("Tracked", "Worldwide", 25_000)],
    ),
    StoreSpec(
        "highland-roasters", "Highland Roasters", "highland_roasters",
        "Small-batch specialty coffee roasted every Monday, tea from single estates and "
        "brewing gear we use ourselves.",
        "Coffee ships within 3 days of roasting. Subscriptions can be paused any time by "
        "message.",
        [("Standard", "European Union", 8_000), ("Express", "European Union", 20_000),
         ("International", "Worldwide", 35_000)],
    ),
    StoreSpec(
        "stackers-apparel", "Stackers Apparel", "stackers_apparel",
        "Organic cotton apparel, bags and limited-edition prints by independent artists.",
        "Free exchanges for another size within 30 days. Prints are numbered and signed.",
        [("Standard", "Worldwide", 18_000)],
    ),
]

# --- listings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    store: str
    title: str
    category: str
    price: int | str  # sats, or "59.00 USD"
    tags: list[str]
    specs: list[tuple[str, str]]
    blurb: str
    features: list[str]
    stock: int | None = None
    digital: str = ""  # non-empty: a digital good, and this is what the buyer receives
    featured: bool = False
    images: int = 2
    notes: list[str] = field(default_factory=list)


def _items() -> list[ItemSpec]:
    cs, hh, ob, hr, sa = (s.slug for s in STORES)
    return [
        # Cold Storage Co.
        ItemSpec(cs, "Titanium Seed Backup Plate, 24 Words", "hardware-wallets", 95_000,
                 ["seed-backup", "titanium", "cold-storage"],
                 [("Material", "Grade 2 titanium"), ("Size", "85 × 54 × 3 mm"),
                  ("Capacity", "24 words (first four letters)"), ("Weight", "38 g")],
                 "Punch your recovery words into a plate that survives fire, flood and time.",
                 ["Survives 1,600 °C and salt water", "Fits in a wallet card slot",
                  "Comes with a letter-punch guide"], stock=40, featured=True, images=3),
        ItemSpec(cs, "Stainless Steel Seed Capsule", "hardware-wallets", "59.00 USD",
                 ["seed-backup", "steel"],
                 [("Material", "316 stainless steel"), ("Tiles", "96 letter tiles"),
                  ("Length", "92 mm")],
                 "A screw-sealed capsule with letter tiles: no tools, no punching.",
                 ["O-ring sealed", "Tiles for 24 words", "Keychain loop"], stock=25),
        ItemSpec(cs, "Open-Source Air-Gapped Signing Device", "hardware-wallets", "149.00 EUR",
                 ["hardware-wallet", "air-gapped", "open-source"],
                 [("Connectivity", "QR codes and microSD only"), ("Screen", "2.4\" colour"),
                  ("Firmware", "Open source, reproducible builds"), ("Battery", "1,000 mAh")],
                 "Sign transactions without ever connecting to a computer.",
                 ["Camera reads PSBTs as QR codes", "Verifiable firmware",
                  "Works with Sparrow and Electrum"], stock=12, featured=True, images=3),
        ItemSpec(cs, "Faraday Bag for Phones and Signing Devices", "phones", 18_000,
                 ["faraday", "privacy"],
                 [("Inner size", "190 × 110 mm"), ("Layers", "3 layers of shielding")],
                 "Blocks cellular, Wi-Fi, Bluetooth and NFC when the device is inside.",
                 ["Double roll-top closure", "Tested from 600 MHz to 6 GHz"]),
        ItemSpec(cs, "Tamper-Evident Bags, Pack of 50", "hardware-wallets", 12_000,
                 ["tamper-evident", "storage"],
                 [("Size", "150 × 230 mm"), ("Serial numbers", "Unique, printed twice")],
                 "See at a glance whether anyone opened your backup.",
                 ["Void pattern on opening", "Tear-off receipt with the serial"], images=1),
        ItemSpec(cs, "Multisig Backup Kit: 3 Steel Plates and Guide", "hardware-wallets",
                 240_000, ["multisig", "seed-backup", "steel"],
                 [("Contents", "3 plates, punch set, guide"), ("Material", "304 stainless steel")],
                 "Everything to back up a 2-of-3 multisig wallet in three places.",
                 ["Labels for each cosigner", "Step-by-step printed guide",
                  "Space for the wallet descriptor"], stock=8),
        ItemSpec(cs, "USB-C Data Blocker, 2-Pack", "phones", 9_500, ["usb", "privacy"],
                 [("Connector", "USB-C male to female"), ("Power", "Up to 3 A")],
                 "Charge from public ports without exposing your phone's data lines.",
                 ["Data pins physically absent", "Aluminium shell"], images=1),
        ItemSpec(cs, "Privacy Screen Protector for Phones", "phones", "14.00 USD",
                 ["privacy", "phone"],
                 [("Viewing angle", "±30°"), ("Hardness", "9H tempered glass")],
                 "Your screen reads clearly head-on and goes dark from the side.",
                 ["Bubble-free install frame", "Sizes for most phones (say which in the note)"]),
        ItemSpec(cs, "Leather Card Wallet with RFID Shield", "bags", "45.00 EUR",
                 ["wallet", "leather", "rfid"],
                 [("Material", "Vegetable-tanned leather"), ("Cards", "Up to 6")],
                 "A slim wallet with a shielded pocket for cards and a seed plate.",
                 ["Hand-stitched", "Fits the titanium seed plate"], stock=30),
        ItemSpec(cs, "Letter Punch Set for Seed Plates", "hardware-wallets", 22_000,
                 ["tools", "seed-backup"],
                 [("Characters", "A–Z and 0–9"), ("Character height", "3 mm")],
                 "Hardened steel punches sized for our plates.",
                 ["Includes a centre punch", "Wooden storage box"], stock=25),
        ItemSpec(cs, "Printable Seed and Passphrase Worksheets (PDF)", "ebooks", 3_000,
                 ["worksheet", "printable"],
                 [("Format", "Text and print layout"), ("Pages", "6")],
                 "Worksheets to plan where every part of your backup lives.",
                 ["Inventory sheet for each backup location", "Checklist for heirs"],
                 digital="Thank you for your order.\n\nWORKSHEET 1 — Backup inventory\n"
                         "Location | What is stored | Who knows | Last checked\n\n"
                         "WORKSHEET 2 — Heir checklist\n1. Where the backups are\n"
                         "2. Which wallet software to use\n3. Who to ask for help\n",
                 images=1),
        ItemSpec(cs, "Casino-Grade Dice for Seed Entropy, Set of 5", "hardware-wallets", 8_000,
                 ["dice", "entropy"],
                 [("Tolerance", "±0.005 mm"), ("Edges", "Razor, precision-milled")],
                 "Roll your own randomness for a seed no computer ever chose.",
                 ["Transparent to show no weights", "Felt pouch"], stock=0),
        # Hashrate Hardware
        ItemSpec(hh, "Refurbished ASIC Miner, 110 TH/s", "mining", 1_450_000,
                 ["asic", "sha256", "refurbished"],
                 [("Hashrate", "110 TH/s ±5 %"), ("Power", "3,250 W"),
                  ("Efficiency", "29.5 J/TH"), ("Noise", "75 dB")],
                 "A bench-tested SHA-256 miner with new fans and fresh thermal paste.",
                 ["48-hour burn-in before shipping", "30-day warranty",
                  "Stock firmware, pool settings cleared"], stock=3, featured=True, images=3),
        ItemSpec(hh, "Open-Source USB Solo Miner, 1.2 TH/s", "mining", "120.00 USD",
                 ["solo-mining", "open-source", "asic"],
                 [("Hashrate", "1.2 TH/s"), ("Power", "15 W over USB-C"), ("Noise", "Quiet")],
                 "A lottery ticket for a whole block that fits on your desk.",
                 ["Open hardware and firmware", "Web dashboard over Wi-Fi"], stock=15),
        ItemSpec(hh, "Mining Power Supply, 3,000 W, 220 V", "mining", "180.00 EUR",
                 ["psu", "mining"],
                 [("Output", "12 V, 250 A"), ("Input", "200–240 V AC"),
                  ("Connectors", "10 × 6-pin")],
                 "A high-efficiency supply for one large miner or several small ones.",
                 ["94 % efficiency at half load", "Over-current protection"], stock=7),
        ItemSpec(hh, "Noise-Reducing Shroud for ASIC Miners", "mining", 45_000,
                 ["noise", "mining"],
                 [("Reduction", "About 15 dB"), ("Material", "Acoustic foam, steel frame")],
                 "Brings a home miner from leaf blower to fridge hum.",
                 ["Fits most 2-fan miners", "Keeps airflow ducted"]),
        ItemSpec(hh, "Raspberry Pi 5 Full Node Kit, 2 TB NVMe", "computers", 320_000,
                 ["full-node", "raspberry-pi", "self-hosting"],
                 [("Board", "Raspberry Pi 5, 8 GB"), ("Storage", "2 TB NVMe SSD"),
                  ("Case", "Aluminium, passive cooling")],
                 "Run your own node and verify every block yourself.",
                 ["Pre-flashed with a node OS", "Initial sync in about 3 days",
                  "Silent, under 10 W"], stock=10, featured=True, images=3),
        ItemSpec(hh, "2 TB NVMe SSD, High Endurance", "computers", "135.00 USD",
                 ["ssd", "storage"],
                 [("Capacity", "2 TB"), ("Endurance", "1,200 TBW"), ("Interface", "PCIe 4.0")],
                 "Fast enough for a full node's initial block download.",
                 ["5-year warranty", "Heatsink included"]),
        ItemSpec(hh, "Mini PC for Running a Node", "computers", "410.00 EUR",
                 ["mini-pc", "full-node"],
                 [("CPU", "8 cores"), ("Memory", "16 GB"), ("Storage", "2 TB NVMe")],
                 "A small, efficient computer with room for the whole chain and an index.",
                 ["Two Ethernet ports", "Fanless"], stock=6),
        ItemSpec(hh, "Replacement Fans for ASIC Miners, 4 × 120 mm", "mining", 38_000,
                 ["fans", "spare-parts"],
                 [("Size", "120 × 120 × 38 mm"), ("Speed", "6,000 rpm")],
                 "Direct replacements for worn or noisy miner fans.",
                 ["4-pin PWM", "Ball bearings"], images=1),
        ItemSpec(hh, "Smart Plug with Power Metering", "computers", "25.00 USD",
                 ["power", "home-automation"],
                 [("Max load", "16 A"), ("Control", "Local API, no cloud")],
                 "Measure exactly what your miner or node draws.",
                 ["Works offline", "Open firmware"], images=1),
        ItemSpec(hh, "Ethernet Cable, Cat 6, 10 m", "computers", 7_500, ["cable", "network"],
                 [("Length", "10 m"), ("Category", "Cat 6, shielded")],
                 "Because Wi-Fi and miners don't mix.",
                 ["Snagless connectors"], images=1),
        ItemSpec(hh, "Home Mining Heater Conversion Kit", "mining", 260_000,
                 ["heating", "mining", "diy"],
                 [("Fits", "Most 2-fan ASIC miners"), ("Output", "Up to 3.2 kW of heat")],
                 "Turn a miner into a room heater that pays some of its own bill.",
                 ["Quiet fans and thermostat", "Ducting for one room"], stock=4),
        ItemSpec(hh, "Firmware Tuning Guide for Home Miners", "courses", 15_000,
                 ["guide", "mining", "efficiency"],
                 [("Format", "Text"), ("Length", "About 40 pages")],
                 "Undervolt, underclock and quiet your miner safely.",
                 ["Efficiency tables per model", "Safe temperature limits"],
                 digital="Firmware Tuning Guide — access details\n\nChapter 1: Measure first.\n"
                         "Chapter 2: Lower the voltage step by step.\n"
                         "Chapter 3: Fans, noise and heat.\n(Full text follows in this order "
                         "page.)", images=1),
        # The Orange Pill Bookshop
        ItemSpec(ob, "Sound Money: A Short History of Hard Currencies", "books", 24_000,
                 ["history", "economics", "paperback"],
                 [("Format", "Paperback"), ("Pages", "312"), ("Condition", "New")],
                 "From shells to gold to Bitcoin: what made money hard, and what broke it.",
                 ["Illustrated timeline", "Notes and index"], stock=20),
        ItemSpec(ob, "Running Your Own Node, 2nd Edition", "books", "39.00 USD",
                 ["node", "technical", "hardcover"],
                 [("Format", "Hardcover"), ("Pages", "420"), ("Edition", "2nd")],
                 "The practical handbook for verifying instead of trusting.",
                 ["Covers pruning, Tor and backups", "Worked examples"], stock=14,
                 featured=True, images=3),
        ItemSpec(ob, "The Cypherpunk Letters: An Anthology", "books", "29.00 EUR",
                 ["privacy", "history", "anthology"],
                 [("Format", "Paperback"), ("Pages", "280")],
                 "Essays and mailing-list posts that shaped digital privacy.",
                 ["Annotated by the editors", "With a glossary"], stock=11),
        ItemSpec(ob, "Lightning Explained (EPUB)", "ebooks", 9_000,
                 ["lightning", "ebook"],
                 [("Format", "EPUB and PDF"), ("Pages", "180")],
                 "Payment channels, routing and liquidity, without the hype.",
                 ["Diagrams for every concept", "Glossary"],
                 digital="Lightning Explained — your download code: LE-DEMO-7F3A. Enter it "
                         "at the bookshop's download page to get the EPUB and PDF."),
        ItemSpec(ob, "Privacy for Everyone (PDF)", "ebooks", "12.00 USD",
                 ["privacy", "ebook"],
                 [("Format", "PDF"), ("Pages", "150")],
                 "A calm, practical guide to keeping your life your own.",
                 ["Checklists per chapter", "No jargon"],
                 digital="Privacy for Everyone — download code PFE-DEMO-21C9.", images=1),
        ItemSpec(ob, "Self-Custody in a Weekend: Video Course", "courses", 50_000,
                 ["self-custody", "course", "video"],
                 [("Lessons", "12 videos"), ("Length", "4 hours"), ("Level", "Beginner")],
                 "Go from exchange account to your own keys, step by step.",
                 ["Hardware wallet setup", "Backups and inheritance",
                  "Lifetime access"], featured=True,
                 digital="Course access code: SCW-DEMO-0042. Redeem it on the course site "
                         "listed in the welcome lesson."),
        ItemSpec(ob, "Multisig for Families (PDF Guide)", "courses", 25_000,
                 ["multisig", "guide", "inheritance"],
                 [("Format", "PDF"), ("Pages", "64")],
                 "Design a 2-of-3 setup your family can actually use.",
                 ["Templates for letters to heirs", "Recovery drill"],
                 digital="Multisig for Families — download code MFF-DEMO-88B1.", images=1),
        ItemSpec(ob, "Penny and the Piggy Bank Mystery (Picture Book)", "books", "18.00 EUR",
                 ["children", "picture-book"],
                 [("Ages", "4–8"), ("Pages", "32"), ("Format", "Hardcover")],
                 "A picture book about saving, scarcity and a very curious pig.",
                 ["Full-colour illustrations"], stock=18),
        ItemSpec(ob, "Blocktime: Ambient Recordings (Vinyl LP)", "music", 32_000,
                 ["vinyl", "ambient", "music"],
                 [("Format", "12\" LP, 180 g"), ("Tracks", "8"), ("Length", "42 min")],
                 "Field recordings from mining farms, slowed into ambient music.",
                 ["Gatefold sleeve", "Numbered edition of 300"], stock=30),
        ItemSpec(ob, "The Genesis Block: Audio Drama (Download)", "music", 6_000,
                 ["audio", "drama"],
                 [("Format", "MP3 and FLAC"), ("Length", "1 h 50 min")],
                 "A radio play about the first weeks of a new kind of money.",
                 ["Full cast", "Sound design by Blocktime"],
                 digital="The Genesis Block — download code TGB-DEMO-6A2D.", images=1),
        ItemSpec(ob, "Dot-Grid Notebook with Block Height Calendar", "books", 14_000,
                 ["notebook", "stationery"],
                 [("Size", "A5"), ("Pages", "192, numbered")],
                 "A notebook that counts time in blocks.",
                 ["Lay-flat binding", "Halving dates marked"]),
        ItemSpec(ob, "Cryptography Engineering Notes (Used)", "books", 35_000,
                 ["cryptography", "used", "technical"],
                 [("Condition", "Good, light pencil notes"), ("Pages", "380")],
                 "A well-loved copy of a practical cryptography textbook.",
                 ["One copy only"], stock=1, images=1),
        # Highland Roasters
        ItemSpec(hr, "Ethiopian Yirgacheffe, Single Origin, 500 g", "coffee-tea", 22_000,
                 ["coffee", "single-origin", "light-roast"],
                 [("Roast", "Light"), ("Process", "Washed"), ("Notes", "Jasmine, lemon, peach")],
                 "Floral and bright: our most requested coffee.",
                 ["Roasted to order", "Whole beans (grinding on request)"], featured=True,
                 images=3),
        ItemSpec(hr, "Colombian Huila, Medium Roast, 1 kg", "coffee-tea", "34.00 EUR",
                 ["coffee", "medium-roast"],
                 [("Roast", "Medium"), ("Altitude", "1,700 m"), ("Notes", "Caramel, red apple")],
                 "A sweet, balanced everyday coffee.", ["Whole beans"]),
        ItemSpec(hr, "Espresso Blend \"Block Reward\", 1 kg", "coffee-tea", 31_000,
                 ["coffee", "espresso", "blend"],
                 [("Roast", "Medium-dark"), ("Blend", "Brazil, Guatemala, Ethiopia")],
                 "Chocolatey, syrupy, made for milk drinks.", ["Rested 5 days before shipping"]),
        ItemSpec(hr, "Decaf, Swiss Water Process, 250 g", "coffee-tea", "9.50 EUR",
                 ["coffee", "decaf"],
                 [("Process", "Swiss Water, chemical-free"), ("Notes", "Cocoa, hazelnut")],
                 "All the taste for the evening cup.", ["Whole beans"], images=1),
        ItemSpec(hr, "Japanese Sencha Green Tea, 100 g", "coffee-tea", 12_000,
                 ["tea", "green-tea"],
                 [("Origin", "Shizuoka"), ("Harvest", "First flush")],
                 "Grassy, sweet and fresh.", ["Resealable bag"]),
        ItemSpec(hr, "Hand Coffee Grinder with Conical Burrs", "kitchen", "79.00 USD",
                 ["grinder", "coffee-gear"],
                 [("Burrs", "48 mm stainless steel"), ("Capacity", "30 g")],
                 "Consistent grounds from espresso to French press, no power needed.",
                 ["Stepped adjustment", "Travel pouch"], stock=14),
        ItemSpec(hr, "Gooseneck Pour-Over Kettle, 1 L", "kitchen", 48_000,
                 ["kettle", "pour-over", "coffee-gear"],
                 [("Capacity", "1 L"), ("Hob", "Gas, electric, induction")],
                 "Precise pouring for pour-over coffee and tea.", ["Built-in thermometer"]),
        ItemSpec(hr, "Ceramic Pour-Over Dripper", "kitchen", "19.00 EUR",
                 ["pour-over", "ceramic"],
                 [("Size", "1–4 cups"), ("Filters", "Cone #2")],
                 "Holds heat for an even extraction.", ["Dishwasher safe"], images=1),
        ItemSpec(hr, "Stoneware Mugs, Orange Glaze, Set of 2", "kitchen", 26_000,
                 ["mug", "ceramic"],
                 [("Capacity", "350 ml each"), ("Made in", "Portugal")],
                 "Hand-glazed mugs in a warm orange.", ["Each glaze is unique"], stock=6),
        ItemSpec(hr, "Coffee Subscription: 3 Months, 500 g a Month", "coffee-tea", 60_000,
                 ["coffee", "subscription"],
                 [("Deliveries", "3, monthly"), ("Choice", "Roaster's pick")],
                 "A different single origin each month.", ["Pause any time"]),
        ItemSpec(hr, "Herb Garden Seed Kit", "garden", "15.00 USD",
                 ["garden", "seeds", "herbs"],
                 [("Varieties", "Basil, mint, parsley, chives, thyme")],
                 "Five kitchen herbs, open-pollinated, for window sills or beds.",
                 ["Biodegradable pots"], images=1),
        ItemSpec(hr, "Compost Bin for Coffee Grounds", "garden", 28_000,
                 ["garden", "compost"],
                 [("Volume", "8 L"), ("Filter", "Charcoal lid")],
                 "Turn used grounds into garden gold without kitchen smells.",
                 ["Spare filter included"]),
        # Stackers Apparel
        ItemSpec(sa, "\"Stay Humble, Stack Sats\" Organic T-Shirt", "apparel", 28_000,
                 ["t-shirt", "organic-cotton"],
                 [("Material", "100 % organic cotton"), ("Sizes", "XS–XXL"), ("Fit", "Regular")],
                 "Soft, heavy cotton with a screen-printed slogan.",
                 ["Printed with water-based inks", "Pre-shrunk"], featured=True, images=3),
        ItemSpec(sa, "Heavyweight Hoodie, Block Height Print", "apparel", "59.00 EUR",
                 ["hoodie", "organic-cotton"],
                 [("Weight", "450 g/m²"), ("Sizes", "S–XXL")],
                 "A warm hoodie printed with the block height of your order date.",
                 ["Brushed inside", "Kangaroo pocket"], stock=35),
        ItemSpec(sa, "Embroidered Cap \"21M\"", "apparel", 22_000, ["cap", "embroidered"],
                 [("Size", "Adjustable"), ("Material", "Cotton twill")],
                 "A six-panel cap with a tonal embroidery.", ["Brass buckle"]),
        ItemSpec(sa, "Canvas Tote Bag \"Not Your Keys\"", "bags", 12_000, ["tote", "canvas"],
                 [("Size", "38 × 42 cm"), ("Material", "Organic canvas")],
                 "A sturdy everyday tote.", ["Inner pocket"], images=1),
        ItemSpec(sa, "Roll-Top Backpack, Waterproof", "bags", "95.00 USD",
                 ["backpack", "waterproof"],
                 [("Volume", "20–26 L"), ("Laptop sleeve", "Up to 15\"")],
                 "A commuter backpack that keeps the rain out.",
                 ["Hidden back pocket", "Reflective details"], stock=9),
        ItemSpec(sa, "Risograph Print \"Genesis Block\", A3", "prints", 45_000,
                 ["art", "print", "limited-edition"],
                 [("Size", "A3"), ("Edition", "50, numbered and signed"),
                  ("Paper", "Recycled 170 g")],
                 "The first block's header, printed in two inks.",
                 ["Ships flat in a rigid mailer"], stock=50),
        ItemSpec(sa, "Framed Data Art \"Halving Cycles\", 50 × 70 cm", "prints", "180.00 EUR",
                 ["art", "data-art", "framed"],
                 [("Size", "50 × 70 cm"), ("Frame", "Oak"), ("Edition", "25")],
                 "Every block since 2009 drawn as one spiral.",
                 ["Museum glass", "Certificate of authenticity"], stock=5, featured=True),
        ItemSpec(sa, "Commemorative Brass Coin \"Block 840,000\"", "coins", 30_000,
                 ["coin", "halving", "brass"],
                 [("Diameter", "39 mm"), ("Material", "Brass")],
                 "Minted for the fourth halving.", ["Capsule and stand"]),
        ItemSpec(sa, "Silver Round, 1 oz, Engraved Genesis Hash", "coins", "70.00 USD",
                 ["silver", "coin"],
                 [("Weight", "1 troy oz"), ("Purity", "999 fine silver")],
                 "A silver round with the genesis block hash around the rim.",
                 ["Laser-engraved"], stock=20),
        ItemSpec(sa, "Enamel Pin Set, 3 Pins", "bags", 8_000, ["pins", "enamel"],
                 [("Pins", "3"), ("Size", "25 mm each")],
                 "Three hard-enamel pins for bags and jackets.", ["Rubber clutches"],
                 images=1),
        ItemSpec(sa, "Socks \"Low Time Preference\", 2 Pairs", "apparel", "14.00 EUR",
                 ["socks", "organic-cotton"],
                 [("Sizes", "36–40, 41–46"), ("Material", "Organic cotton blend")],
                 "Comfortable socks for a long-term outlook.", ["Reinforced heel"]),
        ItemSpec(sa, "4K Desktop Wallpaper Pack", "prints", 4_000,
                 ["wallpaper", "digital-art"],
                 [("Resolution", "3840 × 2160"), ("Images", "12")],
                 "Twelve wallpapers from our print artists.",
                 ["Phone crops included"],
                 digital="Wallpaper pack — download code WP-DEMO-4K12.", images=1),
    ]


ITEMS: list[ItemSpec] = _items()


def _description(item: ItemSpec, store: StoreSpec) -> str:
    lines = [item.blurb, "", "### Highlights", ""]
    lines += [f"- {f}" for f in item.features]
    lines.append("")
    if item.digital:
        lines.append("**Delivery:** digital, shown on your order page as soon as the payment "
                     "is confirmed.")
    else:
        lines.append(f"**Ships from** {store.name}. See the store's shipping options at "
                     "checkout.")
    if item.stock is not None and 0 < item.stock <= 5:
        lines += ["", f"_Only {item.stock} left._"]
    return "\n".join(lines)


# --- product pictures ------------------------------------------------------------------------

MOTIFS = ["plate", "device", "board", "box", "book", "disc", "bag", "mug", "shirt", "frame",
          "coin", "screen"]

MOTIF_OF_CATEGORY = {
    "hardware-wallets": "plate", "mining": "board", "computers": "box", "phones": "device",
    "books": "book", "music": "disc", "coffee-tea": "bag", "kitchen": "mug", "garden": "box",
    "apparel": "shirt", "bags": "bag", "ebooks": "screen", "software": "screen",
    "courses": "screen", "prints": "frame", "coins": "coin",
}

PALETTES = [
    ((247, 147, 26), (255, 214, 153)), ((30, 41, 59), (71, 85, 105)),
    ((13, 148, 136), (153, 246, 228)), ((124, 58, 237), (221, 214, 254)),
    ((220, 38, 38), (254, 202, 202)), ((22, 163, 74), (187, 247, 208)),
    ((37, 99, 235), (191, 219, 254)), ((120, 53, 15), (253, 230, 138)),
]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _gradient(size: int, top: tuple[int, int, int], bottom: tuple[int, int, int],
              angle: float) -> Image.Image:
    # Rotate a large gradient and keep its centre, so no corner is left unfilled.
    mask = (Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC)
            .crop((64, 64, 192, 192)).resize((size, size), Image.Resampling.BICUBIC))
    return Image.composite(Image.new("RGB", (size, size), bottom),
                           Image.new("RGB", (size, size), top), mask)


def _shade(color: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return (min(255, int(color[0] * k)), min(255, int(color[1] * k)),
            min(255, int(color[2] * k)))


def _draw_motif(d: ImageDraw.ImageDraw, motif: str, cx: int, cy: int, s: int,
                main: tuple[int, int, int], rnd: random.Random) -> None:
    dark, light = _shade(main, 0.55), _shade(main, 1.6)
    white, ink = (250, 250, 250), (28, 28, 30)
    if motif == "plate":
        d.rounded_rectangle((cx - s, cy - s * 0.62, cx + s, cy + s * 0.62), radius=s // 8,
                            fill=(200, 203, 208), outline=(120, 124, 130), width=4)
        for row in range(4):
            for col in range(6):
                x = cx - s * 0.85 + col * s * 0.3
                y = cy - s * 0.42 + row * s * 0.27
                d.rectangle((x, y, x + s * 0.22, y + s * 0.14), outline=(130, 134, 140), width=2)
                if rnd.random() < 0.7:
                    d.text((x + 4, y + 1), "".join(rnd.choice("ABCDEFGHIKLMNOPRSTUW")
                                                   for _ in range(4)), fill=ink, font=_font(13))
    elif motif == "device":
        d.rounded_rectangle((cx - s * 0.55, cy - s, cx + s * 0.55, cy + s), radius=s // 5,
                            fill=ink, outline=dark, width=6)
        d.rounded_rectangle((cx - s * 0.45, cy - s * 0.85, cx + s * 0.45, cy + s * 0.55),
                            radius=s // 12, fill=main)
        d.ellipse((cx - s * 0.12, cy + s * 0.68, cx + s * 0.12, cy + s * 0.92), fill=light)
    elif motif == "board":
        d.rounded_rectangle((cx - s, cy - s * 0.6, cx + s, cy + s * 0.6), radius=12,
                            fill=(70, 74, 82), outline=ink, width=5)
        for fx in (cx - s * 0.5, cx + s * 0.5):
            d.ellipse((fx - s * 0.4, cy - s * 0.4, fx + s * 0.4, cy + s * 0.4), fill=ink)
            for k in range(7):
                a = k * math.tau / 7 + rnd.random() * 0.3
                d.line((fx, cy, fx + math.cos(a) * s * 0.36, cy + math.sin(a) * s * 0.36),
                       fill=(120, 124, 130), width=6)
            d.ellipse((fx - s * 0.08, cy - s * 0.08, fx + s * 0.08, cy + s * 0.08), fill=main)
    elif motif == "box":
        d.polygon([(cx - s, cy - s * 0.3), (cx, cy - s * 0.8), (cx + s, cy - s * 0.3),
                   (cx, cy + s * 0.2)], fill=light)
        d.polygon([(cx - s, cy - s * 0.3), (cx, cy + s * 0.2), (cx, cy + s),
                   (cx - s, cy + s * 0.5)], fill=main)
        d.polygon([(cx + s, cy - s * 0.3), (cx, cy + s * 0.2), (cx, cy + s),
                   (cx + s, cy + s * 0.5)], fill=dark)
    elif motif == "book":
        d.rectangle((cx - s * 0.7, cy - s, cx + s * 0.7, cy + s), fill=main, outline=dark,
                    width=6)
        d.rectangle((cx - s * 0.7, cy - s, cx - s * 0.55, cy + s), fill=dark)
        d.rectangle((cx - s * 0.4, cy - s * 0.6, cx + s * 0.55, cy - s * 0.2), fill=white)
        d.line((cx - s * 0.4, cy + s * 0.5, cx + s * 0.55, cy + s * 0.5), fill=light, width=5)
    elif motif == "disc":
        d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=ink)
        for r in range(3, 10):
            rr = s * r / 10
            d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=(55, 55, 60), width=2)
        d.ellipse((cx - s * 0.32, cy - s * 0.32, cx + s * 0.32, cy + s * 0.32), fill=main)
        d.ellipse((cx - s * 0.04, cy - s * 0.04, cx + s * 0.04, cy + s * 0.04), fill=white)
    elif motif == "bag":
        d.polygon([(cx - s * 0.7, cy - s * 0.7), (cx + s * 0.7, cy - s * 0.7),
                   (cx + s * 0.8, cy + s), (cx - s * 0.8, cy + s)], fill=main, outline=dark)
        d.rectangle((cx - s * 0.7, cy - s * 0.9, cx + s * 0.7, cy - s * 0.7), fill=dark)
        d.rounded_rectangle((cx - s * 0.45, cy - s * 0.2, cx + s * 0.45, cy + s * 0.45),
                            radius=10, fill=white)
    elif motif == "mug":
        d.rounded_rectangle((cx - s * 0.7, cy - s * 0.7, cx + s * 0.5, cy + s * 0.9),
                            radius=s // 6, fill=main, outline=dark, width=5)
        d.arc((cx + s * 0.25, cy - s * 0.35, cx + s, cy + s * 0.45), -90, 90, fill=dark,
              width=int(s * 0.12))
        for k in range(3):
            x = cx - s * 0.4 + k * s * 0.3
            d.arc((x - 14, cy - s * 1.2, x + 14, cy - s * 0.8), 90, 270, fill=white, width=4)
    elif motif == "shirt":
        d.polygon([(cx - s * 0.45, cy - s * 0.9), (cx - s, cy - s * 0.5),
                   (cx - s * 0.75, cy - s * 0.15), (cx - s * 0.6, cy - s * 0.25),
                   (cx - s * 0.6, cy + s), (cx + s * 0.6, cy + s), (cx + s * 0.6, cy - s * 0.25),
                   (cx + s * 0.75, cy - s * 0.15), (cx + s, cy - s * 0.5),
                   (cx + s * 0.45, cy - s * 0.9)], fill=main, outline=dark)
        d.arc((cx - s * 0.25, cy - s * 1.05, cx + s * 0.25, cy - s * 0.65), 0, 180, fill=dark,
              width=6)
        d.ellipse((cx - s * 0.2, cy - s * 0.2, cx + s * 0.2, cy + s * 0.2), fill=white)
    elif motif == "frame":
        d.rectangle((cx - s, cy - s * 0.8, cx + s, cy + s * 0.8), fill=(120, 80, 40))
        d.rectangle((cx - s * 0.85, cy - s * 0.65, cx + s * 0.85, cy + s * 0.65), fill=white)
        for _ in range(6):
            rad = rnd.uniform(0.1, 0.3) * s
            px = rnd.uniform(cx - s * 0.6, cx + s * 0.6)
            py = rnd.uniform(cy - s * 0.4, cy + s * 0.4)
            d.ellipse((px - rad, py - rad, px + rad, py + rad),
                      fill=rnd.choice([main, dark, light]))
    elif motif == "coin":
        d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=(212, 175, 55), outline=(150, 120, 30),
                  width=8)
        d.ellipse((cx - s * 0.8, cy - s * 0.8, cx + s * 0.8, cy + s * 0.8),
                  outline=(170, 140, 40), width=4)
        d.text((cx, cy), rnd.choice(["21", "BTC", "1 oz"]), fill=(150, 120, 30),
               font=_font(int(s * 0.5)), anchor="mm")
    else:  # screen
        d.rounded_rectangle((cx - s, cy - s * 0.7, cx + s, cy + s * 0.6), radius=14, fill=ink)
        d.rectangle((cx - s * 0.9, cy - s * 0.6, cx + s * 0.9, cy + s * 0.5), fill=white)
        d.rectangle((cx - s * 0.9, cy - s * 0.6, cx + s * 0.9, cy - s * 0.45), fill=main)
        for k in range(5):
            w = rnd.uniform(0.6, 1.6)
            y = cy - s * 0.3 + k * s * 0.15
            d.line((cx - s * 0.8, y, cx - s * 0.8 + w * s, y), fill=(160, 160, 165), width=6)
        d.polygon([(cx - s * 0.3, cy + s * 0.6), (cx + s * 0.3, cy + s * 0.6),
                   (cx + s * 0.45, cy + s * 0.85), (cx - s * 0.45, cy + s * 0.85)], fill=dark)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if len(candidate) > width and line:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines[:3]


def render_image(title: str, motif: str, seed: str, variant: int = 0) -> bytes:
    """A product-like picture (PNG bytes): a gradient backdrop, a drawn object, the name."""
    rnd = random.Random(f"{SEED}:{seed}:{variant}")  # noqa: S311 (pictures, not secrets)
    top, bottom = PALETTES[rnd.randrange(len(PALETTES))]
    if variant % 2:
        top, bottom = bottom, top
    size = IMAGE_SIDE
    img = _gradient(size, _shade(top, 1.0), _shade(bottom, 1.0), rnd.uniform(-30, 30))
    d = ImageDraw.Draw(img)
    # Soft floor shadow, then the object; variants zoom in as "detail" shots.
    scale = (0.26, 0.36, 0.31)[variant % 3]
    cx, cy, s = size // 2, int(size * 0.43), int(size * scale)
    d.ellipse((cx - s, cy + s * 0.95, cx + s, cy + s * 1.2), fill=_shade(bottom, 0.75))
    main = PALETTES[rnd.randrange(len(PALETTES))][0]
    _draw_motif(d, motif, cx, cy, s, main, rnd)
    # The item's name on a banner along the bottom.
    lines = _wrap(title, 30)
    banner_h = 26 + 34 * len(lines)
    d.rectangle((0, size - banner_h, size, size), fill=(255, 255, 255))
    for k, line in enumerate(lines):
        d.text((24, size - banner_h + 14 + 34 * k), line, fill=(24, 24, 27), font=_font(28))
    if variant:
        d.text((size - 20, 20), ("", "detail", "side view")[variant % 3], fill=(255, 255, 255),
               font=_font(20), anchor="ra")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class SeedResult:
    categories: int = 0
    stores: int = 0
    listings: int = 0
    images: int = 0
    skipped: list[str] = field(default_factory=list)


def _price_fields(price: int | str) -> dict[str, object]:
    if isinstance(price, int):
        return {"price_mode": "sat", "price_sat": price}
    amount, currency = price.split()
    return {"price_mode": "fiat", "price_fiat": Decimal(amount), "fiat_currency": currency}


def seed_categories(result: SeedResult) -> None:
    for pos, (slug, name, desc, prohibited, children) in enumerate(CATEGORIES):
        parent, created = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": desc, "prohibited": prohibited,
                                 "position": pos * 10})
        result.categories += int(created)
        for cpos, (cslug, cname) in enumerate(children):
            _, created = Category.objects.get_or_create(
                slug=cslug, defaults={"name": cname, "parent": parent, "position": cpos * 10})
            result.categories += int(created)


def seed_stores(result: SeedResult) -> dict[str, StoreSpec]:
    for spec in STORES:
        if Store.objects.filter(slug=spec.slug).exists():
            continue
        with transaction.atomic():
            try:
                reg = do_register(display_name=spec.owner, client_ip=CLIENT_IP)
            except ValidationFailed:  # the name is taken by somebody else: stay anonymous
                reg = do_register(display_name=None, client_ip=CLIENT_IP)
            store = do_open_store(reg.user, StoreInput(
                name=spec.name, slug=spec.slug, description=spec.description,
                policies=spec.policies))
            for name, regions, cost in spec.shipping:
                do_add_shipping_option(store, ShippingInput(name=name, regions=regions,
                                                            cost_sat=cost))
        result.stores += 1
    return {s.slug: s for s in STORES}


def seed_listings(result: SeedResult, stores: dict[str, StoreSpec]) -> None:
    by_slug = {s.slug: s for s in Store.objects.filter(slug__in=list(stores))}
    existing = set(Listing.objects.filter(store__in=list(by_slug.values()))
                   .values_list("store_id", "title"))
    for index, item in enumerate(ITEMS):
        store = by_slug[item.store]
        if (store.pk, item.title) in existing:
            continue
        data = ListingInput(
            title=item.title, category=item.category,
            description=_description(item, stores[item.store]), tags=item.tags,
            stock=item.stock, kind="digital" if item.digital else "physical",
            digital_text=item.digital, status="active", specifications=item.specs,
            **_price_fields(item.price),  # type: ignore[arg-type]
        )
        motif = MOTIF_OF_CATEGORY.get(item.category, "box")
        try:
            with transaction.atomic():
                listing = do_create_listing(store, data)
                for variant in range(item.images):
                    do_add_image(listing, render_image(item.title, motif, str(index), variant))
                    result.images += 1
                if item.featured:
                    Listing.objects.filter(pk=listing.pk).update(featured=True)
        except ActionError as exc:  # e.g. the operator suspended a demo store
            result.skipped.append(f"{item.title}: {exc.message}")
            continue
        result.listings += 1


def seed() -> SeedResult:
    """Create whatever part of the demo shop is missing."""
    result = SeedResult()
    seed_categories(result)
    stores = seed_stores(result)
    seed_listings(result, stores)
    logger.info("demo data: %s categories, %s stores, %s listings, %s images created",
                result.categories, result.stores, result.listings, result.images)
    return result
