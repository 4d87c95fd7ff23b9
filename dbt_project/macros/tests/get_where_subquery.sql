{#- Overrides dbt's get_where_subquery: a generic test on a daily model (one whose config sets
    meta.window_column, e.g. partition_date / dt) only looks at the run's window, so each day's
    asset checks judge that day's rows. An explicit `where:` config is still honoured (ANDed), and a
    test with `meta: {whole_table: true}` (keys unique across all days) sees the whole table. -#}
{% macro get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set whole_table = (config.get('meta') or {}).get('whole_table') -%}
    {%- if execute and model.get('attached_node') and not whole_table -%}
        {%- set tested = graph.nodes.get(model.attached_node) -%}
        {%- if tested is not none -%}
            {%- set window_column = (tested.config.get('meta') or {}).get('window_column') -%}
            {%- if window_column -%}
                {%- do filters.append('(' ~ window_filter(window_column) ~ ')') -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if filters -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ filters | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
