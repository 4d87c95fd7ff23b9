{#- A model's schema is its layer (silver, gold, reports, restricted, test_failures) after the
    environment's prefix: dev_silver, dev_gold, ... by default, as the original project's queries
    name them; another prefix (BANKING_DW_SCHEMA_PREFIX=prod) lets one warehouse hold dev and prod.
    Never the target's own schema in front. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ schema_prefix() }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}


{% macro schema_prefix() -%}
    {{ return(env_var('BANKING_DW_SCHEMA_PREFIX', 'dev')) }}
{%- endmacro %}
