{#- create_bronze_external_schema(): the DDL of Redshift Spectrum's `<prefix>_bronze` external schema
    over the Glue database the crawl step writes, run as this project's on-run-start hook so
    silver's sources exist before it builds. Idempotent (`if not exists`). On any other target
    (duckdb: views over the lake; postgres: tables the test loads) it emits nothing.

    env vars (read when the hook renders, never at import):
      BANKING_DW_GLUE_DATABASE          Glue database of the bronze tables (default banking_dw_bronze)
      BANKING_DW_REDSHIFT_IAM_ROLE_ARN  role Redshift assumes to read Glue and S3 (required to run)
      AWS_REGION                        Glue's region, only when it is not the cluster's (optional)
    The role has a placeholder default so `dbt parse` and `dbt compile` work without credentials;
    a command that would execute the DDL (run, build, ...) stops with a clear error instead of
    sending the placeholder to Redshift. -#}
{% macro create_bronze_external_schema() -%}
    {{ return(adapter.dispatch('create_bronze_external_schema', 'banking_dw')()) }}
{%- endmacro %}


{% macro default__create_bronze_external_schema() -%}
{%- endmacro %}


{#- Commands that only render SQL, never send it: the placeholder role is fine for them. -#}
{% macro _renders_only() -%}
    {{ return(flags.WHICH in ('parse', 'compile', 'list', 'ls', 'docs', 'show')) }}
{%- endmacro %}


{% macro redshift_iam_role_placeholder() -%}
    {{ return('arn:aws:iam::000000000000:role/set-BANKING_DW_REDSHIFT_IAM_ROLE_ARN') }}
{%- endmacro %}


{% macro redshift__create_bronze_external_schema() -%}
    {%- set database = env_var('BANKING_DW_GLUE_DATABASE', 'banking_dw_bronze') -%}
    {%- set role = env_var('BANKING_DW_REDSHIFT_IAM_ROLE_ARN', redshift_iam_role_placeholder()) -%}
    {%- set region = env_var('AWS_REGION', '') | trim -%}
    {%- if execute and role == redshift_iam_role_placeholder() and not _renders_only() -%}
        {{ exceptions.raise_compiler_error(
            "create_bronze_external_schema: set BANKING_DW_REDSHIFT_IAM_ROLE_ARN to the IAM role Redshift "
            ~ "assumes to read the Glue database '" ~ database ~ "' (Spectrum's " ~ schema_prefix() ~ "_bronze external schema)") }}
    {%- endif -%}
    {#- Redshift's documented clause order: DATABASE, REGION, IAM_ROLE. -#}
    create external schema if not exists {{ schema_prefix() }}_bronze
    from data catalog
    database {{ sql_string(database) }}
    {%- if region %}
    region {{ sql_string(region) }}
    {%- endif %}
    iam_role {{ sql_string(role) }}
{%- endmacro %}
