"""Amount names say their unit: ``Spend.fee_rate`` becomes ``fee_rate_sat_vb``, and the
stored plan JSON uses ``value_sat`` / ``fee_sat`` (was ``valueSat`` / ``feeSat``, the API's
camelCase, which the API still shows)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

# (old key, new key) in each input, each output, and the plan itself.
ITEM_KEYS = (("valueSat", "value_sat"),)
PLAN_KEYS = (("feeSat", "fee_sat"),)


def _rename(data: dict[str, Any], pairs: tuple[tuple[str, str], ...]) -> None:
    for old, new in pairs:
        if old in data:
            data[new] = data.pop(old)


def _rewrite(apps: Any, forward: bool) -> None:
    Spend = apps.get_model("escrow", "Spend")
    item_keys = ITEM_KEYS if forward else tuple((n, o) for o, n in ITEM_KEYS)
    plan_keys = PLAN_KEYS if forward else tuple((n, o) for o, n in PLAN_KEYS)
    for spend in Spend.objects.only("pk", "plan").iterator():
        plan = spend.plan
        for item in [*plan.get("inputs", []), *plan.get("outputs", [])]:
            _rename(item, item_keys)
        _rename(plan, plan_keys)
        Spend.objects.filter(pk=spend.pk).update(plan=plan)


def plan_keys_forward(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, forward=True)


def plan_keys_backward(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ("escrow", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="spend", old_name="fee_rate",
                               new_name="fee_rate_sat_vb"),
        migrations.RunPython(plan_keys_forward, plan_keys_backward),
    ]
