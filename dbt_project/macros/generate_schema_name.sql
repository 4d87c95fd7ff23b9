{#- A model's custom schema is used verbatim (dev_silver, dev_gold), never prefixed with the
    target schema, so both targets see the schemas the seed's queries name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
