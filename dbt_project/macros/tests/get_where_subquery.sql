{#- Why this exists: a run's dbt tests are Dagster asset checks of the run's days, so each must judge
    those days' rows only; a fault loaded on another day must not fail this day's check.
    Writing a `where:` on every generic test would repeat the window everywhere and miss new tests.

    How: dbt writes the `model` argument of every generic test as get_where_subquery(<relation>),
    and documents overriding that global macro in the root project (docs.getdbt.com, the `where`
    config, "Custom logic"); this override wins over dbt's. A generic test on a daily model (one
    whose config sets meta.window_column, e.g. partition_date / dt) sees only the run's window. An
    explicit `where:` config is still honoured (ANDed), and a test with `meta: {whole_table: true}`
    (keys unique across all days) sees the whole table. A test on an SCD2 dimension (rebuilt whole
    from silver's runs; its config sets meta.touched_keys) sees only the keys the window can change
    (touched_keys_filter): the invariants of a key no run of the window touches cannot break.

    It reads more of dbt than the documented macro (the test node's attached_node, the graph
    context), so banking_dw_tests/test_dbt_assets.py pins dbt 1.11 and the built-in macro this
    replaces, and banking_dw_tests/test_dbt_project.py checks that a compiled test is windowed:
    a dbt upgrade that changes any of it fails there first. -#}
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
            {%- set touched = (tested.config.get('meta') or {}).get('touched_keys') -%}
            {%- if touched -%}
                {%- do filters.append('(' ~ touched_keys_filter(touched.key, touched.runs) ~ ')') -%}
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


{#- The keys of a dimension whose versions the window can change: those with a run of silver
    (`runs_model`, macros/silver/runs.sql) that begins in the window, or on the day right after it,
    where the second part of a run a reloaded window split begins; and those with a run that ends
    on the day before the window or inside it, before its last day: a key absent from a day of the
    window (it vanished from the full extract, or its run was split). A key only extended by the
    window (its run goes on) keeps its versions. -#}
{% macro touched_keys_filter(key, runs_model) -%}
    {%- set bounds = window_bounds() -%}
    {%- set one_day = modules.datetime.timedelta(days=1) -%}
    {%- set day_before = (modules.datetime.date.fromisoformat(bounds[0] | string) - one_day).isoformat() -%}
    {%- set last_day = (modules.datetime.date.fromisoformat(bounds[1] | string) - one_day).isoformat() -%}
    {%- set runs = (graph.nodes.values() | selectattr('name', 'equalto', runs_model) | first) -%}
    {%- set relation = candidate_of(published_relation(runs)) -%}
    {{ key }} in (
        select {{ key }} from {{ relation }}
        where (first_extract_date >= cast('{{ bounds[0] }}' as date) and first_extract_date <= cast('{{ bounds[1] }}' as date))
            or (last_extract_date >= cast('{{ day_before }}' as date) and last_extract_date < cast('{{ last_day }}' as date))
    )
{%- endmacro %}
