{#- SCD Type 1 from a silver dimension stored as runs (macros/silver/runs.sql): each key's row from
    the latest extract day loaded (its latest run), so the result is the same whatever order the
    days were loaded in. `columns` are the dimension's columns in contract order; the latest
    extract day follows them as extract_date. -#}
{% macro latest_extract_rows(history_model, key, columns) -%}
with

history as (

    select * from {{ ref(history_model) }}

),

latest_first as (

    select
        history.*,
        row_number() over (partition by history.{{ key }} order by history.last_extract_date desc) as recency
    from history

),

final as (

    select
        {%- for column in columns %}
        latest_first.{{ column }},
        {%- endfor %}
        latest_first.last_extract_date as extract_date
    from latest_first
    where latest_first.recency = 1

)

select * from final
{%- endmacro %}
