{#- Post-hook of every model: its row count and column types, logged for Dagster's UI as one line
    that banking_dw/dbt/metadata.py turns into the model's `dagster/row_count` and
    `dagster/column_schema`. Counting inside dbt, right after the build, needs no second connection
    (DuckDB admits none while dbt writes) and keeps Dagster's events streaming with the build. -#}
{% macro log_table_metadata() %}
    {%- if execute and model.config.materialized != 'view' -%}
        {%- set row_count = run_query('select count(*) from ' ~ this).columns[0].values()[0] -%}
        {%- set columns = [] -%}
        {%- for column in adapter.get_columns_in_relation(this) -%}
            {%- do columns.append([column.name, column.data_type]) -%}
        {%- endfor -%}
        {%- do log('banking_dw table metadata: ' ~ tojson({'row_count': row_count | int, 'columns': columns}), info=true) -%}
    {%- endif -%}
{% endmacro %}
