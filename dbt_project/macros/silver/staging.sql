{#- The bodies of silver's models, one call in each (the models are written by `make contract`). -#}


{#- stg_<fact>: the window's good rows, typed, one per key, with the day they arrived in. -#}
{% macro staged_rows(table) -%}
with

{{ validation_ctes(table) }},

final as (

    select
        {%- for c in contract_columns(table) %}
        {{ c.name }}__typed as {{ c.name }},
        {%- endfor %}
        dt as partition_date
    from {{ table }}__validated
    where quarantine_reason is null

)

select * from final
{%- endmacro %}


{#- stg_<dimension>: the window's good rows as one-day runs; the model's hooks then fold them into
    the runs already stored (macros/silver/runs.sql): one row per key per run of consecutive
    extract days whose rows are equal. -#}
{% macro staged_runs(table) -%}
with

{{ validation_ctes(table) }},

final as (

    select
        {%- for c in contract_columns(table) %}
        {{ c.name }}__typed as {{ c.name }},
        {%- endfor %}
        dt as first_extract_date,
        dt as last_extract_date
    from {{ table }}__validated
    where quarantine_reason is null

)

select * from final
{%- endmacro %}


{#- quarantine_<model>: the bronze rows of `table` in the window that break a rule, as raw text,
    with dt, the rule and the reason. -#}
{% macro quarantined_rows(table) -%}
with

{{ validation_ctes(table) }},

final as (

    select
        {{ contract_column_list(table) }},
        dt,
        quarantine_rule,
        quarantine_reason
    from {{ table }}__validated
    where quarantine_reason is not null

)

select * from final
{%- endmacro %}
