{#- Generic tests that know the quarantine: a gap the quarantine explains (the row that would fill
    it is quarantined, with its reason) is left to the warn-severity quarantine_is_empty checks
    (banking_dw/dbt/silver_checks.py), so these error-severity tests fail only on what the
    quarantine cannot explain. -#}


{#- Gold: a natural key resolves in the dimension (any version), unless that key's extract rows
    were quarantined on some day loaded. -#}
{% test relationships_unless_quarantined(model, column_name, to, field, quarantine) %}
with child as (
    select distinct {{ column_name }} as reference
    from {{ model }}
    where {{ column_name }} is not null
)
select child.reference
from child
where not exists (select 1 from {{ to }} as parent where parent.{{ field }} = child.reference)
    and not exists (
        select 1 from {{ quarantine }} as quarantined
        where trim(quarantined.{{ field }}) = cast(child.reference as {{ dbt.type_string() }})
    )
{% endtest %}


{#- Gold facts: `column_name` (a surrogate key of the version valid at the event) is not null,
    unless one of `explained_by` ({key, quarantine}) has the row's key quarantined on its day:
    e.g. an account whose copies conflicted that day and that no other loaded day has a version
    of. -#}
{% test not_null_unless_quarantined(model, column_name, explained_by) %}
with facts as (
    select *
    from {{ model }}
    where {{ column_name }} is null
)
select facts.*
from facts
where 1 = 1
{%- for explanation in explained_by %}
    and not exists (
        select 1 from {{ explanation.quarantine }} as quarantined
        where trim(quarantined.{{ explanation.key }}) = cast(facts.{{ explanation.key }} as {{ dbt.type_string() }})
            and quarantined.dt = facts.partition_date
    )
{%- endfor %}
{% endtest %}


{#- The (account, day) pairs the quarantine explains for the daily balance tests: a transaction
    or balance row of that account on that day was quarantined, so its balance cannot be expected
    to reconcile. Columns: account_id_text (the raw text), day. -#}
{% macro quarantined_account_days() %}
    select trim(account_id) as account_id_text, dt as day
    from {{ ref('quarantine_fact_transaction') }}
    union
    select trim(account_id) as account_id_text, dt as day
    from {{ ref('quarantine_fact_daily_balances') }}
{% endmacro %}


{#- True when (account_id, day) is explained by the quarantine (`explained` is a CTE of quarantined_account_days()). -#}
{% macro is_explained(explained, account_id, day) -%}
    exists (
        select 1 from {{ explained }}
        where {{ explained }}.account_id_text = cast({{ account_id }} as {{ dbt.type_string() }})
            and {{ explained }}.day = {{ day }}
    )
{%- endmacro %}
