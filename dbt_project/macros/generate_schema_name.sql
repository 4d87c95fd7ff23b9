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


{#- The prefix reaches SQL unquoted (schema names, grants): only a plain identifier may, as
    banking_dw/settings.py plain_identifier says; anything else stops dbt before any SQL runs
    (generate_schema_name is rendered while the project parses). -#}
{% macro schema_prefix() -%}
    {%- set prefix = env_var('BANKING_DW_SCHEMA_PREFIX', 'dev') -%}
    {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]{0,39}', prefix) -%}
        {{ exceptions.raise_compiler_error(
            "BANKING_DW_SCHEMA_PREFIX is not a plain identifier: use at most 40 lowercase letters, digits and"
            ~ " underscores, starting with a letter or underscore (for example dev or prod)") }}
    {%- endif -%}
    {{ return(prefix) }}
{%- endmacro %}
