{#- Singular-test bodies shared by tests/silver/assert_*_rows_reconcile.sql. -#}

{#- Per day in the window: bronze rows = typed silver rows + quarantined rows. Returns the days
    where that does not hold. -#}
{% macro reconcile_fact_rows(bronze_table, silver_model, quarantine_model) %}
with bronze as (
    select dt as day, count(*) as bronze_rows
    from {{ source('bronze', bronze_table) }}
    where {{ window_filter('dt') }}
    group by dt
),
silver as (
    select partition_date as day, count(*) as silver_rows
    from {{ ref(silver_model) }}
    where {{ window_filter('partition_date') }}
    group by partition_date
),
quarantined as (
    select dt as day, count(*) as quarantined_rows
    from {{ ref(quarantine_model) }}
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
{% endmacro %}


{#- Customer/account extracts: every distinct (key, updated_at) version in the window's bronze
    extracts is in the silver history or in quarantine, and every quarantined version came from
    bronze; so distinct bronze versions = silver versions present + quarantined versions.
    Returns the versions that are unaccounted for. -#}
{% macro reconcile_extract_versions(bronze_table, silver_model, quarantine_model, key) %}
with bronze_versions as (
    select distinct
        coalesce(trim({{ key }}), '') as key_text,
        coalesce(trim(updated_at), '') as updated_at_text
    from {{ source('bronze', bronze_table) }}
    where {{ window_filter('dt') }}
),
quarantined_versions as (
    select distinct
        coalesce(trim({{ key }}), '') as key_text,
        coalesce(trim(updated_at), '') as updated_at_text
    from {{ ref(quarantine_model) }}
    where {{ window_filter('dt') }}
),
silver_versions as (
    select {{ key }} as natural_key, updated_at
    from {{ ref(silver_model) }}
),
classified as (
    select
        bronze_versions.key_text,
        bronze_versions.updated_at_text,
        max(case when silver_versions.natural_key is not null then 1 else 0 end) as in_silver,
        max(case when quarantined_versions.key_text is not null then 1 else 0 end) as in_quarantine
    from bronze_versions
    left join silver_versions
        on silver_versions.natural_key = {{ safe_cast_text("nullif(bronze_versions.key_text, '')", 'bigint') }}
        and silver_versions.updated_at = {{ safe_cast_text("nullif(bronze_versions.updated_at_text, '')", 'timestamp') }}
    left join quarantined_versions
        on quarantined_versions.key_text = bronze_versions.key_text
        and quarantined_versions.updated_at_text = bronze_versions.updated_at_text
    group by bronze_versions.key_text, bronze_versions.updated_at_text
),
unaccounted as (
    select key_text, updated_at_text, 'bronze version neither in silver nor quarantined' as problem
    from classified
    where in_silver = 0 and in_quarantine = 0
    union all
    select quarantined_versions.key_text, quarantined_versions.updated_at_text, 'quarantined version not in bronze' as problem
    from quarantined_versions
    left join bronze_versions
        on bronze_versions.key_text = quarantined_versions.key_text
        and bronze_versions.updated_at_text = quarantined_versions.updated_at_text
    where bronze_versions.key_text is null
)
select * from unaccounted
{% endmacro %}
