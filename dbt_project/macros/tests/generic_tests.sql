{#- Generic tests written here because the dbt hub (dbt_utils) cannot be reached. -#}

{#- SCD2 windows: for every natural key, versions are ordered, valid_from < valid_to, and each
    version ends where the next one starts (no overlap) or, when the key vanished from the full
    extract, before it (the gap while it was absent); a version ending before 9999-12-31 with no
    next one is a key that vanished and has not come back. -#}
{% test scd2_windows_do_not_overlap(model, key, valid_from='valid_from', valid_to='valid_to') %}
    with versions as (
        select
            {{ key }} as natural_key,
            {{ valid_from }} as valid_from,
            {{ valid_to }} as valid_to,
            lead({{ valid_from }}) over (partition by {{ key }} order by {{ valid_from }}) as next_valid_from
        from {{ model }}
    )
    select *
    from versions
    where valid_from >= valid_to
        or valid_to > coalesce(next_valid_from, {{ scd2_end_of_time() }})
{% endtest %}


{#- SCD2: at most one version per natural key is current, the one ending at the sentinel (none
    when the key vanished from the full extract). -#}
{% test scd2_one_current_version(model, key, is_current='is_current', valid_to='valid_to') %}
    select
        {{ key }} as natural_key,
        sum(case when {{ is_current }} then 1 else 0 end) as current_versions,
        sum(case when {{ valid_to }} = {{ scd2_end_of_time() }} then 1 else 0 end) as open_versions
    from {{ model }}
    group by {{ key }}
    having sum(case when {{ is_current }} then 1 else 0 end) > 1
        or sum(case when {{ is_current }} = ({{ valid_to }} = {{ scd2_end_of_time() }}) then 0 else 1 end) > 0
{% endtest %}


{#- SCD2 (warn): a key whose attributes changed while its updated_at did not. Silver keeps both as
    runs; gold keeps one version per updated_at (the latest extract's attributes), so the earlier
    attributes leave the history: each row names the key, its updated_at, the last day with the
    earlier attributes and the first day with the later ones. -#}
{% test scd2_changed_without_new_version(model, history, key, attributes) %}
with runs as (
    select
        {{ key }} as natural_key,
        updated_at,
        first_extract_date,
        last_extract_date,
        {{ surrogate_key(attributes) }} as row_hash
    from {{ get_where_subquery(history) }}
),
ordered as (
    select
        runs.*,
        lag(row_hash) over (partition by natural_key, updated_at order by first_extract_date) as previous_hash,
        lag(last_extract_date) over (partition by natural_key, updated_at order by first_extract_date) as previous_day
    from runs
)
select natural_key, updated_at, previous_day as earlier_attributes_until, first_extract_date as later_attributes_from
from ordered
where previous_hash <> row_hash
{% endtest %}


{#- SCD2 (warn): the keys that vanished from the full extract, counted per day: their current
    version was closed that day (valid_to) with no next version starting then. -#}
{% test scd2_vanished_keys(model, key, valid_from='valid_from', valid_to='valid_to') %}
with versions as (
    select
        {{ key }} as natural_key,
        {{ valid_to }} as valid_to,
        lead({{ valid_from }}) over (partition by {{ key }} order by {{ valid_from }}) as next_valid_from
    from {{ model }}
)
select cast(valid_to as date) as vanished_on, count(*) as vanished_keys
from versions
where valid_to <> {{ scd2_end_of_time() }}
    and (next_valid_from is null or next_valid_from <> valid_to)
    and {{ window_filter('valid_to') }}
group by cast(valid_to as date)
{% endtest %}


{#- No two rows share the same values of `combination_of_columns` (dbt_utils equivalent). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as copies
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}


{#- No `column_name` of the window's rows appears twice in the whole table, on any day loaded: a
    new duplicate takes a row of the window, so the whole table is read only for the window's ids.
    Its config sets meta.whole_table (get_where_subquery leaves `model` unfiltered). -#}
{% test unique_across_loaded_days(model, column_name, window_column) %}
    select {{ column_name }}, count(*) as copies
    from {{ model }}
    where {{ column_name }} in (select {{ column_name }} from {{ model }} where {{ window_filter(window_column) }})
    group by {{ column_name }}
    having count(*) > 1
{% endtest %}


{#- SCD2: the dimension's versions are exactly the distinct (key, updated_at) of the silver
    runs over every loaded day: none lost, none invented. The silver side is filtered as the
    dimension is (get_where_subquery: the keys the window touched). -#}
{% test scd2_has_every_silver_version(model, history, key) %}
with silver_versions as (
    select distinct {{ key }} as natural_key, updated_at, true as in_silver
    from {{ get_where_subquery(history) }}
),
gold_versions as (
    select {{ key }} as natural_key, updated_at, true as in_gold
    from {{ model }}
)
select
    coalesce(silver_versions.natural_key, gold_versions.natural_key) as natural_key,
    coalesce(silver_versions.updated_at, gold_versions.updated_at) as updated_at,
    case when gold_versions.in_gold is null then 'missing from the dimension' else 'not in the silver history' end as problem
from silver_versions
full outer join gold_versions
    on gold_versions.natural_key = silver_versions.natural_key
    and gold_versions.updated_at = silver_versions.updated_at
where gold_versions.in_gold is null or silver_versions.in_silver is null
{% endtest %}


{#- Per day in the window, the model (a gold fact) has exactly the rows of its silver model: no
    fact lost or duplicated between silver and gold. Returns the days where that does not hold. -#}
{% test reconciles_with_silver(model, silver) %}
with gold as (
    select partition_date as day, count(*) as gold_rows
    from {{ model }}
    where {{ window_filter('partition_date') }}
    group by partition_date
),
silver as (
    select partition_date as day, count(*) as silver_rows
    from {{ silver }}
    where {{ window_filter('partition_date') }}
    group by partition_date
)
select
    coalesce(gold.day, silver.day) as day,
    coalesce(gold.gold_rows, 0) as gold_rows,
    coalesce(silver.silver_rows, 0) as silver_rows
from gold
full outer join silver on gold.day = silver.day
where coalesce(gold.gold_rows, 0) <> coalesce(silver.silver_rows, 0)
{% endtest %}
