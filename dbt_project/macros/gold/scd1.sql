{#- SCD Type 1 from a silver history with one row per key per extract day (partition_date):
    each key's row from the latest extract day loaded, so the result is the same whatever order
    the days were loaded in. `columns` are the dimension's columns in contract order; the row's
    extract day follows them as extract_date. -#}
{% macro latest_extract_rows(history_model, key, columns) -%}
with

history as (

    select * from {{ ref(history_model) }}

),

latest_first as (

    select
        history.*,
        row_number() over (partition by history.{{ key }} order by history.partition_date desc) as recency
    from history

),

final as (

    select
        {%- for column in columns %}
        latest_first.{{ column }},
        {%- endfor %}
        latest_first.partition_date as extract_date
    from latest_first
    where latest_first.recency = 1

)

select * from final
{%- endmacro %}
