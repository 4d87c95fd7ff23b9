{#- Generic tests that know the quarantine: a gap the quarantine explains (the row that would fill
    it is quarantined, with its reason) is left to the warn-severity quarantine_is_empty tests, so
    these error-severity tests fail only on what the quarantine cannot explain. -#}


{#- Per day in the window: bronze rows = rows in the model + rows in its quarantine (no row
    dropped or duplicated). Returns the days where that does not hold. -#}
{% test reconciles_with_bronze(model, bronze, quarantine) %}
with bronze as (
    select dt as day, count(*) as bronze_rows
    from {{ bronze }}
    where {{ window_filter('dt') }}
    group by dt
),
silver as (
    select partition_date as day, count(*) as silver_rows
    from {{ model }}
    where {{ window_filter('partition_date') }}
    group by partition_date
),
quarantined as (
    select dt as day, count(*) as quarantined_rows
    from {{ quarantine }}
    where {{ window_filter('dt') }}
    group by dt
),
days as (
    select day from bronze
    union
    select day from silver
    union
    select day from quarantined
),
reconciled as (
    select
        days.day,
        coalesce(bronze.bronze_rows, 0) as bronze_rows,
        coalesce(silver.silver_rows, 0) as silver_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from days
    left join bronze on bronze.day = days.day
    left join silver on silver.day = days.day
    left join quarantined on quarantined.day = days.day
)
select *
from reconciled
where bronze_rows <> silver_rows + quarantined_rows
{% endtest %}


{#- Silver: a reference resolves in the SAME day's extract (`to` has partition_date), unless the
    referenced key's rows that day are quarantined (conflicting copies: the key is known, its
    attributes are not). -#}
{% test relationships_same_day(model, column_name, to, field, quarantine) %}
with child as (
    select {{ column_name }} as reference, partition_date
    from {{ model }}
    where {{ column_name }} is not null
)
select child.reference, child.partition_date
from child
where not exists (
        select 1 from {{ to }} as parent
        where parent.{{ field }} = child.reference and parent.partition_date = child.partition_date
    )
    and not exists (
        select 1 from {{ quarantine }} as quarantined
        where trim(quarantined.{{ field }}) = cast(child.reference as {{ dbt.type_string() }})
            and quarantined.dt = child.partition_date
    )
{% endtest %}


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
