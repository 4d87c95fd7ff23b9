{#- valid_to of the current version of an SCD2 dimension. -#}
{% macro scd2_end_of_time() -%}
    cast('9999-12-31 00:00:00' as timestamp)
{%- endmacro %}


{#- Surrogate key: hash of the given columns' text, null-safe and separator-delimited
    (our own dbt_utils.generate_surrogate_key, as the dbt hub cannot be reached). -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
