{#- Who reads what on the server targets (PostgreSQL, Redshift): analysts read gold and the reports,
    reporting only the reports, pii_reader the restricted models; silver, bronze and the test
    failures are for the engineers who run dbt. Table grants are dbt's `grants` config
    (dbt_project.yml, which names a role `role:<name>` on Redshift, where the
    redshift_grants_extended flag lets grants go to roles); schema USAGE, which a grant on a table needs, is this on-run-end hook.
    DuckDB has no grants: locally the boundary is a file (the analysts' copy of gold). -#}


{% macro grant_schema_usage() -%}
    {{ return(adapter.dispatch('grant_schema_usage', 'banking_dw')()) }}
{%- endmacro %}


{% macro default__grant_schema_usage() -%}
{%- endmacro %}


{% macro _schema_readers() -%}
    {{ return({
        'gold': ['analyst'],
        'reports': ['analyst', 'reporting'],
        'restricted': ['pii_reader'],
    }) }}
{%- endmacro %}


{% macro postgres__grant_schema_usage() -%}
    {%- for layer, roles in _schema_readers().items() %}
    grant usage on schema {{ schema_prefix() }}_{{ layer }} to {{ roles | join(', ') }};
    {%- endfor %}
{%- endmacro %}


{% macro redshift__grant_schema_usage() -%}
    {%- for layer, roles in _schema_readers().items() %}
    {%- for role in roles %}
    grant usage on schema {{ schema_prefix() }}_{{ layer }} to role {{ role }};
    {%- endfor %}
    {%- endfor %}
{%- endmacro %}
