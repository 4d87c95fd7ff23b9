{#- SCD Type 2 from a silver dimension stored as runs (macros/silver/runs.sql): a version is a
    distinct (key, updated_at) over every run; its attributes are those of its latest run, the
    latest extract day that had it (extract_date); valid_from = updated_at, valid_to = the next
    version's valid_from or the 9999-12-31 sentinel, is_current = the latest version. Rebuilt from
    the runs, whose number grows with the changes, not with the days loaded; the same whatever order
    the days were loaded in. `columns` are the dimension's contract columns in order. -#}
{% macro scd2_versions(runs_model, key, surrogate_key_name, columns) -%}
with

runs as (

    select * from {{ ref(runs_model) }}

),

latest_run_first as (

    select
        runs.*,
        row_number() over (partition by runs.{{ key }}, runs.updated_at order by runs.last_extract_date desc) as recency
    from runs

),

versions as (

    select * from latest_run_first
    where recency = 1

),

windowed as (

    select
        versions.*,
        lead(versions.updated_at) over (partition by versions.{{ key }} order by versions.updated_at) as next_updated_at
    from versions

),

final as (

    select
        {{ surrogate_key([key, 'updated_at']) }} as {{ surrogate_key_name }},
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        updated_at as valid_from,
        coalesce(next_updated_at, {{ scd2_end_of_time() }}) as valid_to,
        coalesce(next_updated_at is null, false) as is_current,
        last_extract_date as extract_date
    from windowed

)

select * from final
{%- endmacro %}


{#- The facts' point-in-time join, written once: `left join` the version of the SCD2 dimension
    `dimension` (as `alias`) whose `key` is `key_expression` and that was valid at the instant `at`,
    over [valid_from, valid_to): valid_from <= at < valid_to. `at` is the event's timestamp, or for a
    daily fact the last second of its day (last_second_of_day). A fact with no version valid then
    keeps its row, with null surrogate keys. -#}
{% macro join_version_valid_at(dimension, alias, key, key_expression, at) -%}
    left join {{ ref(dimension) }} as {{ alias }}
        on
            {{ alias }}.{{ key }} = {{ key_expression }}
            and {{ version_valid_at(alias, at) }}
{%- endmacro %}


{#- The one boundary convention: the version (`alias`) valid at the instant `at`. -#}
{% macro version_valid_at(alias, at) -%}
    {{ alias }}.valid_from <= {{ at }} and {{ at }} < {{ alias }}.valid_to
{%- endmacro %}


{#- The last instant of a day at the contract's precision (seconds): a daily fact takes the versions
    valid at the end of its day. -#}
{% macro last_second_of_day(date_expr) -%}
    cast({{ dbt.dateadd('second', -1, end_of_day(date_expr)) }} as timestamp)
{%- endmacro %}
