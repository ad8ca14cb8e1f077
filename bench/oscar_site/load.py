"""Fill the oscar site with the catalogue shape of bench_shop.py: N products built from
the same word lists and seed (titles "<adjective> <noun> <letter><number>", descriptions of
20-60 words, ~95 % public), assigned round-robin to the same leaf categories as ours (a JSON
list of [root name, root slug, leaf name, leaf slug] read from CryptoShop's benchmark
database, in its order), one partner stock record (price, stock) each, no images (oscar
shows its placeholder); then the Whoosh index, written as haystack's update_index writes
it but in one writer with add_document (update_index's update_document looks every
product up in the index first, which made a 100,000-product build take hours).
Bulk inserts; run with the oscar venv's python from bench/:
``python -m oscar_site.load N CATEGORIES.json`` (prints JSON: paths to load)."""

from __future__ import annotations

import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oscar_site.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

django.setup()

from bench_shop import WORDS_ADJ, WORDS_BODY, WORDS_NOUN  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from haystack import connections  # noqa: E402
from oscar.apps.catalogue.models import (  # noqa: E402
    Category,
    Product,
    ProductCategory,
    ProductClass,
)
from oscar.apps.partner.models import Partner, StockRecord  # noqa: E402


def _categories(tree: list[list[str]]) -> list[Category]:
    roots: dict[str, Category] = {}
    leaves = []
    for root_name, root_slug, leaf_name, leaf_slug in tree:
        if root_slug not in roots:
            roots[root_slug] = Category.add_root(name=root_name, slug=root_slug)
        leaves.append(roots[root_slug].add_child(name=leaf_name, slug=leaf_slug))
    return leaves


def _index() -> None:
    """Every browsable product into the Whoosh index: haystack's own document for each
    (``full_prepare``, the fields oscar's ProductIndex declares), one commit at the end."""
    backend = connections["default"].get_backend()
    backend.setup()
    index = connections["default"].get_unified_index().get_index(Product)
    writer = backend.index.writer(limitmb=256)
    last = 0
    while True:
        batch = list(index.index_queryset().filter(pk__gt=last).order_by("pk")[:2_000])
        if not batch:
            break
        last = batch[-1].pk
        for product in batch:
            doc = index.full_prepare(product)
            doc.pop("boost", None)
            writer.add_document(**{k: backend._from_python(v) for k, v in doc.items()})
    writer.commit()


def load(n: int, tree: list[list[str]]) -> dict[str, object]:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    rnd = random.Random(21)  # noqa: S311 (test data)
    product_class = ProductClass.objects.create(name="Goods", slug="goods",
                                                requires_shipping=True, track_stock=True)
    leaves = _categories(tree)
    partners = Partner.objects.bulk_create(Partner(name=f"Bench Store {i}") for i in range(200))
    batch, made = 5_000, 0
    while made < n:
        rows = []
        for _i in range(made, min(made + batch, n)):
            title = (f"{rnd.choice(WORDS_ADJ)} {rnd.choice(WORDS_NOUN)} "
                     f"{rnd.choice('ABCDEFGHKMNPRSTX')}{rnd.randint(1, 999)}")
            body = " ".join(rnd.choice(WORDS_BODY) for _ in range(rnd.randint(20, 60)))
            rows.append(Product(
                structure="standalone", title=title, product_class=product_class,
                slug=title.lower().replace(" ", "-")[:80], description=body,
                is_public=rnd.random() < 0.95, upc=None))
        with transaction.atomic():
            created = Product.objects.bulk_create(rows, batch_size=1_000)
            ProductCategory.objects.bulk_create(
                (ProductCategory(product=p, category=leaves[(made + k) % len(leaves)])
                 for k, p in enumerate(created)), batch_size=2_000)
            StockRecord.objects.bulk_create(
                (StockRecord(product=p, partner=partners[(made + k) % len(partners)],
                             partner_sku=f"sku-{p.pk}", price_currency="GBP",
                             price=Decimal(rnd.randint(100, 500_000)) / 100,
                             num_in_stock=rnd.choice([0, 1, 5, 20, 100]))
                 for k, p in enumerate(created)), batch_size=2_000)
        made += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    indexed = time.perf_counter()
    _index()
    sample = Product.objects.filter(is_public=True).order_by("id")[500]
    leaf = leaves[0]
    return {"products": Product.objects.count(), "seconds": time.perf_counter() - started,
            "index_seconds": time.perf_counter() - indexed,
            "product_path": sample.get_absolute_url(),
            "category_path": leaf.get_absolute_url()}


if __name__ == "__main__":
    print(json.dumps(load(int(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()))))
