{#- Write, audit, publish. A build never writes what readers read. Each model is built as a
    candidate in its layer's candidate schema (dev_gold_candidate for dev_gold), dbt's tests judge
    the candidates, and only a build in which every model built and no error-severity test failed
    publishes them, in one transaction (publish_candidates, this project's on-run-end hook). A
    failed or killed build leaves the published relations as they were, and the candidates it
    wrote stay for reading until the next build replaces them.

    A model's relation in the manifest (its `relation_name`, what Dagster and readers use) is the
    published one; `ref` gives the candidate, so models and tests read what this build made. Three
    materialisations, by what a window changes:
    - `windowed` (facts, quarantines, the reports' daily aggregates): the window's rows in
      <model>__window, and the candidate itself a view of them with the published rows outside the
      window; publishing deletes the window's days and inserts them again, so it costs the window
      (on DuckDB, a window that holds every published day is renamed into place instead);
    - `candidate_runs` (silver's dimensions, runs of extract days): the published runs without the
      window's days, with the window's, folded, in one statement (macros/silver/runs.sql);
      published whole, their size grows with the changes, not the days;
    - `candidate_table` (gold's dimensions, the restricted model, the reports): rebuilt whole by
      every build, published whole; validated_, the window's verdict, lives among the candidates
      and is never published.
    Where a model published whole keeps its rows depends on the engine (whole_candidate below):
    on DuckDB beside the published table, renamed into place by the publish; on PostgreSQL and
    Redshift in the candidate itself, copied by the publish. -#}


{% macro candidate_suffix() -%}
    {{ return('_candidate') }}
{%- endmacro %}


{#- Whether `node` is a model built as a candidate (by one of the materialisations below). -#}
{% macro is_candidate_model(node) -%}
    {{ return(node.resource_type == 'model'
        and node.config.materialized in ('windowed', 'candidate_runs', 'candidate_table')) }}
{%- endmacro %}


{#- Whether `node` is a candidate model that is published (validated_ lives among the candidates). -#}
{% macro is_published_model(node) -%}
    {{ return(is_candidate_model(node) and not node.schema.endswith(candidate_suffix())) }}
{%- endmacro %}


{#- The relation a node's manifest entry names: the published one. -#}
{% macro published_relation(node) -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias, type='table')) }}
{%- endmacro %}


{#- The candidate of a published relation (the relation itself when it already is one). -#}
{% macro candidate_of(relation) -%}
    {%- if relation.schema is none or relation.schema.endswith(candidate_suffix()) -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return(relation.incorporate(path={'schema': relation.schema ~ candidate_suffix()})) }}
{%- endmacro %}


{#- Where a windowed candidate keeps its window's rows: among the candidates; on DuckDB beside the
    published table, as a next version is, so a publish can rename them into place. -#}
{% macro window_rows_of(relation) -%}
    {{ return(adapter.dispatch('window_rows_of', 'banking_dw')(relation)) }}
{%- endmacro %}


{% macro default__window_rows_of(relation) -%}
    {%- set candidate = candidate_of(relation) -%}
    {{ return(api.Relation.create(
        database=candidate.database, schema=candidate.schema, identifier=candidate.identifier ~ '__window', type='table')) }}
{%- endmacro %}


{% macro duckdb__window_rows_of(relation) -%}
    {{ return(relation.incorporate(path={'identifier': relation.identifier ~ '__window'}, type='table')) }}
{%- endmacro %}


{#- Where a candidate published whole writes its rows on DuckDB, beside the published table: the
    next version, which the publish renames into place (DuckDB cannot move a table to another
    schema; a rename in the published schema costs nothing, whatever the history). -#}
{% macro next_version_of(relation) -%}
    {{ return(relation.incorporate(path={'identifier': relation.identifier ~ '__next'}, type='table')) }}
{%- endmacro %}


{#- Models and tests read the candidates this build writes; an operation (the erasure) and the
    publish read and write the published relations. -#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if model is defined and model.resource_type in ('model', 'test') and relation.schema is defined -%}
        {{ return(candidate_of(relation)) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{#- What stands at each of `relations` (a table, a view or none), asked of the database in one
    query: dbt's relation cache may hold a candidate schema as empty (it caches its nodes' schemas,
    the published ones). -#}
{% macro _existing_each(relations) -%}
    {%- if not relations -%}{{ return([]) }}{%- endif -%}
    {%- set wanted = [] -%}
    {%- for relation in relations -%}
        {%- do wanted.append("(table_schema = '" ~ relation.schema ~ "' and table_name = '" ~ relation.identifier ~ "')") -%}
    {%- endfor -%}
    {%- set types = {} -%}
    {%- for row in run_query(
        "select table_schema, table_name, table_type from information_schema.tables where " ~ wanted | join(' or ')).rows -%}
        {%- do types.update({row[0] ~ '.' ~ row[1]: row[2] | upper}) -%}
    {%- endfor -%}
    {%- set found = [] -%}
    {%- for relation in relations -%}
        {%- set type = types.get(relation.schema ~ '.' ~ relation.identifier) -%}
        {%- do found.append(none if type is none else relation.incorporate(type='view' if type == 'VIEW' else 'table')) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{% macro _existing(relation) -%}
    {{ return(_existing_each([relation])[0]) }}
{%- endmacro %}


{#- `relation` made a table of `sql`; `existing`, what stands there now (_existing_each). -#}
{% macro _replace_with_table(relation, sql, existing) -%}
    {%- do drop_relation_if_exists(existing) -%}
    {%- call statement('main') -%}
        {{ create_table_as(False, relation, sql) }}
    {%- endcall -%}
{%- endmacro %}


{#- on-run-start: every candidate schema, before the models build in parallel (DuckDB refuses two
    threads creating one schema at once). -#}
{% macro create_candidate_schemas() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in graph.nodes.values() if is_candidate_model(node) -%}
        {%- set candidate = candidate_of(published_relation(node)) -%}
        {%- if candidate.schema not in schemas -%}{%- do schemas.append(candidate.schema) -%}{%- endif -%}
    {%- endfor -%}
    {%- for schema in schemas | sort %}
    create schema if not exists {{ schema }};
    {%- endfor %}
{%- endmacro %}


{#- The erasure's last step: every candidate a build left (they hold the window's values, which the
    erasure does not rewrite; the next build writes them again). validated_, whose relation is
    itself a candidate, is erased in place instead. Returns how many relations it dropped. -#}
{% macro drop_candidates() -%}
    {%- set relations = [] -%}
    {%- for node in graph.nodes.values() if is_published_model(node) -%}
        {%- set published = published_relation(node) -%}
        {%- do relations.extend([candidate_of(published), window_rows_of(published), next_version_of(published)]) -%}
    {%- endfor -%}
    {%- set dropped = [] -%}
    {%- for existing in _existing_each(relations) if existing is not none -%}
        {%- do adapter.drop_relation(existing) -%}
        {%- do dropped.append(existing) -%}
    {%- endfor -%}
    {{ return(dropped | length) }}
{%- endmacro %}


{#- A candidate published whole, built from `sql`; the relations written. -#}
{% macro whole_candidate(sql) -%}
    {{ return(adapter.dispatch('whole_candidate', 'banking_dw')(sql)) }}
{%- endmacro %}


{% macro default__whole_candidate(sql) -%}
    {%- set candidate = candidate_of(this).incorporate(type='table') -%}
    {%- do _replace_with_table(candidate, sql, _existing(candidate)) -%}
    {{ return([candidate]) }}
{%- endmacro %}


{#- The rows in the next version beside the published table, and the candidate a view of them (a
    relation of the candidate schema, as on every engine, for the tests and the failing rows); a
    model never published (validated_) is a table among the candidates, as on every engine. -#}
{% macro duckdb__whole_candidate(sql) -%}
    {%- if not is_published_model(model) -%}{{ return(default__whole_candidate(sql)) }}{%- endif -%}
    {%- set next_version = next_version_of(this) -%}
    {%- set candidate = candidate_of(this).incorporate(type='view') -%}
    {%- set next_existing, candidate_existing = _existing_each([next_version, candidate]) -%}
    {%- do _replace_with_table(next_version, sql, next_existing) -%}
    {%- do drop_relation_if_exists(candidate_existing) -%}
    {%- call statement('candidate') -%}
        create view {{ candidate }} as select * from {{ next_version }}
    {%- endcall -%}
    {{ return([candidate, next_version]) }}
{%- endmacro %}


{% materialization candidate_table, default %}
    {{ run_hooks(pre_hooks) }}
    {%- set relations = whole_candidate(sql) -%}
    {{ run_hooks(post_hooks) }}
    {%- do adapter.commit() -%}
    {{ return({'relations': relations}) }}
{% endmaterialization %}


{#- The published relation's columns as the candidate's (a column added since it was published
    reads as null), outside the window. -#}
{% macro _published_outside_window(published, columns, window_column) -%}
    {%- set stored = {} -%}
    {%- for column in adapter.get_columns_in_relation(published) -%}
        {%- do stored.update({column.name | lower: column}) -%}
    {%- endfor -%}
    select
    {%- for column in columns %}
        {% if column.name | lower in stored -%}
            {{ adapter.quote(column.name) }}
        {%- else -%}
            cast(null as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {%- endif -%}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ published }}
    where not ({{ window_filter(window_column) }})
{%- endmacro %}


{% materialization windowed, default %}
    {%- set window_column = (config.get('meta') or {}).get('window_column') -%}
    {%- if window_column is none -%}
        {{ exceptions.raise_compiler_error("windowed: " ~ this ~ " has no meta.window_column") }}
    {%- endif -%}
    {%- set candidate = candidate_of(this).incorporate(type='view') -%}
    {%- set window_rows = window_rows_of(this) -%}
    {%- set published, window_existing, candidate_existing = _existing_each([this, window_rows, candidate]) -%}
    {{ run_hooks(pre_hooks) }}
    {%- do _replace_with_table(window_rows, sql, window_existing) -%}
    {%- set columns = adapter.get_columns_in_relation(window_rows) -%}
    {%- do drop_relation_if_exists(candidate_existing) -%}
    {%- call statement('candidate') -%}
        create view {{ candidate }} as
        select {% for column in columns %}{{ adapter.quote(column.name) }}{{ ', ' if not loop.last }}{% endfor %}
        from {{ window_rows }}
        {%- if published is not none %}
        union all
        {{ _published_outside_window(published, columns, window_column) }}
        {%- endif %}
    {%- endcall -%}
    {{ run_hooks(post_hooks) }}
    {%- do adapter.commit() -%}
    {{ return({'relations': [candidate, window_rows]}) }}
{% endmaterialization %}


{% materialization candidate_runs, default %}
    {%- set published = _existing(this) -%}
    {{ run_hooks(pre_hooks) }}
    {%- set relations = whole_candidate(runs_with_window(published, sql)) -%}
    {{ run_hooks(post_hooks) }}
    {%- do adapter.commit() -%}
    {{ return({'relations': relations}) }}
{% endmaterialization %}


{#- on-run-end: publish every candidate this build wrote, in one transaction, when every node of
    the build succeeded (an error-severity test that failed, a model that failed or was skipped:
    nothing is published, and the log says what held it back). -#}
{% macro publish_candidates(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set held_back = [] -%}
    {%- for result in results if result.status not in ('success', 'pass', 'warn') -%}
        {%- do held_back.append(result.node.name ~ ' (' ~ result.status ~ ')') -%}
    {%- endfor -%}
    {%- set built = [] -%}
    {%- for result in results if is_published_model(result.node) -%}
        {%- do built.append(result.node) -%}
    {%- endfor -%}
    {%- if held_back -%}
        {{ log('banking_dw publish: nothing published, held back by ' ~ held_back | join(', '), info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- if not built -%}{{ return('') }}{%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in built -%}
        {%- for schema in [node.schema, node.schema ~ candidate_suffix()] if schema | lower not in schemas -%}
            {%- do schemas.append(schema | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set columns = _column_names(schemas) -%}
    {%- set beyond = adapter.dispatch('published_beyond_window', 'banking_dw')(built, columns) -%}
    {%- set statements = [] -%}
    {%- for node in built -%}
        {%- do statements.extend(_publish_statements(node, columns, beyond)) -%}
    {%- endfor -%}
    {%- do statements.extend(digest_statements(built, columns)) -%}
    {%- do run_publish_statements(statements) -%}
    {%- do adapter.commit() -%}
    {{ log('banking_dw publish: ' ~ built | length ~ ' relation(s) published', info=true) }}
{%- endmacro %}


{#- The publish's statements, committed together or not at all (a statement that fails, or a kill,
    leaves every published relation as it was). -#}
{% macro run_publish_statements(statements) -%}
    {{ return(adapter.dispatch('run_publish_statements', 'banking_dw')(statements)) }}
{%- endmacro %}


{#- PostgreSQL's and Redshift's connections open a transaction at the first statement, which
    publish_candidates' commit ends. -#}
{% macro default__run_publish_statements(statements) -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
{%- endmacro %}


{#- DuckDB runs the publish's statements as one script (one round trip through dbt instead of a few
    milliseconds of dbt's own per statement, four statements per model), in a transaction of its
    own: dbt's connection to DuckDB autocommits, so each statement of a bare script would commit
    alone. On a failure DuckDB aborts the transaction and dbt rolls it back. -#}
{% macro duckdb__run_publish_statements(statements) -%}
    {%- do run_query('begin transaction;\n' ~ statements | join(';\n') ~ ';\ncommit') -%}
{%- endmacro %}


{#- Every column name of every relation in `schemas`, in order: {'schema.relation': [names]}, in one
    query rather than two per model. -#}
{% macro _column_names(schemas) -%}
    {%- set listed = [] -%}
    {%- for schema in schemas -%}{%- do listed.append("'" ~ schema ~ "'") -%}{%- endfor -%}
    {%- set rows = run_query(
        "select lower(table_schema) || '.' || lower(table_name), column_name from information_schema.columns"
        ~ " where lower(table_schema) in (" ~ listed | join(', ') ~ ") order by 1, ordinal_position").rows -%}
    {%- set columns = {} -%}
    {%- for row in rows -%}
        {%- do columns.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- The key of `relation` in what _column_names returns. -#}
{% macro columns_key(relation) -%}
    {{ return((relation.schema ~ '.' ~ relation.identifier) | lower) }}
{%- endmacro %}


{#- The candidate left a view of what is published (so a passing test's stored rows, which name the
    candidate, can still be read). -#}
{% macro _candidate_reads_published(published) -%}
    {{ return('create or replace view ' ~ candidate_of(published) ~ ' as select * from ' ~ published) }}
{%- endmacro %}


{#- The statements that make `node`'s published relation equal its candidate. -#}
{% macro _publish_statements(node, columns, beyond) -%}
    {%- set published = published_relation(node) -%}
    {%- if node.config.materialized == 'windowed' -%}
        {{ return(adapter.dispatch('publish_window_statements', 'banking_dw')(node, published, columns, beyond)) }}
    {%- endif -%}
    {{ return(adapter.dispatch('publish_whole_statements', 'banking_dw')(node, published, columns)) }}
{%- endmacro %}


{% macro default__publish_window_statements(node, published, columns, beyond) -%}
    {{ return(_copy_statements(node, published, window_rows_of(published), columns)) }}
{%- endmacro %}


{#- Which of the published tables of the windowed models in `built` hold a day outside the window
    ('schema.table', lower case): on DuckDB only, in one query, for the publish to rename the
    others' window into place. -#}
{% macro default__published_beyond_window(built, columns) -%}
    {{ return([]) }}
{%- endmacro %}


{% macro duckdb__published_beyond_window(built, columns) -%}
    {%- set probes = [] -%}
    {%- for node in built if node.config.materialized == 'windowed' -%}
        {%- set published = published_relation(node) -%}
        {%- set name = columns_key(published) -%}
        {%- if name in columns -%}
            {%- do probes.append("select " ~ sql_string(name) ~ " where exists (select 1 from " ~ published
                ~ " where not coalesce(" ~ window_filter(node.config.meta.window_column) ~ ", false))") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not probes -%}{{ return([]) }}{%- endif -%}
    {{ return(run_query(probes | join(' union all ')).columns[0].values() | list) }}
{%- endmacro %}


{#- The window's rows renamed into place when the published table has no day outside the window
    (the first build, a rebuild of every day): copying them would cost every row once more, 10M a
    day at production volume. Otherwise copied, and then dropped. Either way the candidate is left
    a view of what is published, as for a model published whole. -#}
{% macro duckdb__publish_window_statements(node, published, columns, beyond) -%}
    {%- set window_rows = window_rows_of(published) -%}
    {%- set name = columns_key(published) -%}
    {%- if name not in beyond -%}
        {%- set statements = _rename_into_place(published, window_rows, name in columns) -%}
    {%- else -%}
        {%- set statements = _copy_statements(node, published, window_rows, columns) + ['drop table ' ~ window_rows] -%}
    {%- endif -%}
    {%- do statements.append(_candidate_reads_published(published)) -%}
    {{ return(statements) }}
{%- endmacro %}


{% macro _rename_into_place(published, source, exists) -%}
    {%- set statements = ['drop table ' ~ published] if exists else [] -%}
    {%- do statements.append('alter table ' ~ source ~ ' rename to ' ~ adapter.quote(published.identifier)) -%}
    {{ return(statements) }}
{%- endmacro %}


{% macro default__publish_whole_statements(node, published, columns) -%}
    {{ return(_copy_statements(node, published, candidate_of(published), columns)) }}
{%- endmacro %}


{#- The next version renamed into place, and the candidate a view of what is published now. -#}
{% macro duckdb__publish_whole_statements(node, published, columns) -%}
    {%- set exists = columns_key(published) in columns -%}
    {%- set statements = _rename_into_place(published, next_version_of(published), exists) -%}
    {%- do statements.append(_candidate_reads_published(published)) -%}
    {{ return(statements) }}
{%- endmacro %}


{#- Copied from `source`: a windowed model's window (its days deleted first), or the whole table. -#}
{% macro _copy_statements(node, published, source, columns) -%}
    {%- set windowed = node.config.materialized == 'windowed' -%}
    {%- set source_columns = columns[columns_key(source)] -%}
    {%- set stored = columns.get(columns_key(published)) -%}
    {%- set names = [] -%}
    {%- for name in source_columns -%}{%- do names.append(adapter.quote(name)) -%}{%- endfor -%}
    {%- set statements = [] -%}
    {%- set recreate = stored is none or (not windowed and (stored | map('lower') | list) != (source_columns | map('lower') | list)) -%}
    {%- if recreate -%}
        {%- if stored is not none -%}{%- do statements.append('drop table ' ~ published) -%}{%- endif -%}
        {%- do statements.append(create_published_like(published, source)) -%}
        {%- for privilege, grantees in (node.config.grants or {}).items() if grantees and target.type != 'duckdb' -%}
            {%- do statements.append(get_grant_sql(published, privilege, grantees) | trim) -%}
        {%- endfor -%}
    {%- else -%}
        {#- a column the candidate has and the published table has not: added (history reads it as null) -#}
        {%- set kept = stored | map('lower') | list -%}
        {%- if source_columns | map('lower') | reject('in', kept) | list -%}
            {%- for column in adapter.get_columns_in_relation(source) if column.name | lower not in kept -%}
                {%- do statements.append('alter table ' ~ published ~ ' add column ' ~ adapter.quote(column.name) ~ ' ' ~ column.data_type) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- if windowed -%}
            {%- do statements.append('delete from ' ~ published ~ ' where ' ~ window_filter(node.config.meta.window_column)) -%}
        {%- else -%}
            {%- do statements.append('delete from ' ~ published) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do statements.append(
        'insert into ' ~ published ~ ' (' ~ names | join(', ') ~ ') select ' ~ names | join(', ') ~ ' from ' ~ source) -%}
    {{ return(statements) }}
{%- endmacro %}


{#- An empty published table shaped like its candidate: on PostgreSQL and Redshift `like` keeps
    the not-null constraints (and Redshift's distribution and sort keys). -#}
{% macro create_published_like(published, source) -%}
    {{ return(adapter.dispatch('create_published_like', 'banking_dw')(published, source)) }}
{%- endmacro %}


{% macro default__create_published_like(published, source) -%}
    {{ return('create table ' ~ published ~ ' (like ' ~ source ~ ')') }}
{%- endmacro %}


{% macro duckdb__create_published_like(published, source) -%}
    {{ return('create table ' ~ published ~ ' as select * from ' ~ source ~ ' limit 0') }}
{%- endmacro %}

