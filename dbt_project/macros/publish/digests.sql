{#- The digests the analysts' file is proven equal by (banking_dw/duckdb_analysts.py), recorded by
    the publish, in its transaction, for what it replaces. On DuckDB only: there analysts read a
    copy; the server targets keep none, so they record nothing.

    A relation analysts read (meta.analysts_read) is digested per part: per day of its
    partition_date, or whole when it has none; a part's rows counted and their hashes summed, as the
    analysts' step digests its own copy (the same expression, sum(hash(*columns(*))), in both). A
    windowed model's publish records the window's days; any other publish, a column added, or a
    relation not yet listed in digested_relations (the first build, or since an erasure) records
    every part and lists it. So the analysts' step reads what the publish replaced instead of
    hashing every day of the warehouse on every publish, and a kill leaves the digests and the rows
    of one transaction together. -#}


{% macro digests_schema() -%}
    {{ return(schema_prefix() ~ '_publish') }}
{%- endmacro %}


{#- on-run-start: the digests' tables, if missing. -#}
{% macro create_digest_tables() -%}
    {{ return(adapter.dispatch('create_digest_tables', 'banking_dw')()) }}
{%- endmacro %}


{% macro default__create_digest_tables() -%}
    {{ return('') }}
{%- endmacro %}


{% macro duckdb__create_digest_tables() -%}
    create schema if not exists {{ digests_schema() }};
    create table if not exists {{ digests_schema() }}.digests (
        schema_name varchar not null,
        table_name varchar not null,
        part_date date,
        whole boolean not null,
        row_count bigint not null,
        row_hash hugeint not null
    );
    create table if not exists {{ digests_schema() }}.digested_relations (
        schema_name varchar not null,
        table_name varchar not null
    )
{%- endmacro %}


{#- The statements, run in the publish's transaction after its own, that record the digests of what
    it replaced among `built`; `columns` as publish_candidates read them before publishing. -#}
{% macro digest_statements(built, columns) -%}
    {{ return(adapter.dispatch('digest_statements', 'banking_dw')(built, columns)) }}
{%- endmacro %}


{% macro default__digest_statements(built, columns) -%}
    {{ return([]) }}
{%- endmacro %}


{#- Three statements whatever the number of relations (each costs DuckDB a few milliseconds): the
    parts to record again deleted, then counted in one insert, and the new relations listed. -#}
{% macro duckdb__digest_statements(built, columns) -%}
    {%- set listed = [] -%}
    {%- for row in run_query("select lower(schema_name || '.' || table_name) from " ~ digests_schema() ~ ".digested_relations").rows -%}
        {%- do listed.append(row[0]) -%}
    {%- endfor -%}
    {%- set forgotten, counted, new = [], [], [] -%}
    {%- for node in built if (node.config.meta or {}).get('analysts_read') -%}
        {%- set published = published_relation(node) -%}
        {%- set name = columns_key(published) -%}
        {%- set source = window_rows_of(published) if node.config.materialized == 'windowed' else next_version_of(published) -%}
        {%- set source_columns = columns[columns_key(source)] | map('lower') | list -%}
        {%- set stored = (columns.get(name) or []) | map('lower') | list -%}
        {%- set by_day = 'partition_date' in source_columns -%}
        {%- set by_window = by_day and name in listed and node.config.materialized == 'windowed'
            and node.config.meta.window_column == 'partition_date'
            and stored and not (source_columns | reject('in', stored) | list) -%}
        {%- set relation = sql_string(published.schema) ~ ", " ~ sql_string(published.identifier) -%}
        {%- set same = "(schema_name = " ~ sql_string(published.schema) ~ " and table_name = " ~ sql_string(published.identifier) -%}
        {%- set rows_of = published ~ (" where " ~ window_filter('partition_date') if by_window else "") -%}
        {%- do forgotten.append(same ~ (" and " ~ window_filter('part_date') if by_window else "") ~ ")") -%}
        {%- set part, grouped = ("partition_date, false", " group by partition_date") if by_day else ("null, true", " having count(*) > 0") -%}
        {%- do counted.append("select " ~ relation ~ ", " ~ part ~ ", count(*), sum(hash(*columns(*))) from " ~ rows_of ~ grouped) -%}
        {%- if not by_window and name not in listed -%}{%- do new.append("(" ~ relation ~ ")") -%}{%- endif -%}
    {%- endfor -%}
    {%- if not counted -%}{{ return([]) }}{%- endif -%}
    {%- set statements = [
        "delete from " ~ digests_schema() ~ ".digests where " ~ forgotten | join(" or "),
        "insert into " ~ digests_schema() ~ ".digests " ~ counted | join(" union all "),
    ] -%}
    {%- if new -%}
        {%- do statements.append("insert into " ~ digests_schema() ~ ".digested_relations values " ~ new | join(", ")) -%}
    {%- endif -%}
    {{ return(statements) }}
{%- endmacro %}


{#- Every record forgotten, so the analysts' step digests the warehouse itself until the next
    publish records each relation anew: in the erasure's transaction (it changes rows in place), or
    by hand (`dbt run-operation forget_digests`) after changing the warehouse outside dbt. -#}
{% macro forget_digests(commit=true) -%}
    {%- set relation = api.Relation.create(database=target.database, schema=digests_schema(), identifier='digested_relations') -%}
    {%- if load_relation(relation) is not none -%}
        {%- do run_query('delete from ' ~ relation) -%}
        {%- if commit -%}{%- do run_query('commit') -%}{%- endif -%}
    {%- endif -%}
{%- endmacro %}
