{#- Erasure on request (banking_dw/erasure/): a customer erased keeps their rows and keys, but each
    personal column the contract erases holds its placeholder (`erased_as` in the contract macro).

    The erased customers (ids only) are listed in the warehouse, in <prefix>_silver.erased_customers,
    beside the lake's list the raw and landing steps read: this project's on-run-start hooks create
    the table when it is missing, the erasure job fills it (erase_customers). Silver applies it to
    every bronze row it reads (the `arrived` step of validated_dim_customer, written by `make contract`),
    so an erased customer's values never come back from a day loaded again, whatever its files hold. -#}


{% macro erasure_list() -%}
    {{ return(api.Relation.create(database=target.database, schema=schema_prefix() ~ '_silver', identifier='erased_customers')) }}
{%- endmacro %}


{#- on-run-start: the list's schema and table, if missing (two hooks: one statement each). -#}
{% macro create_erasure_list_schema() -%}
    create schema if not exists {{ schema_prefix() }}_silver
{%- endmacro %}


{% macro create_erasure_list() -%}
    create table if not exists {{ erasure_list() }} (customer_id bigint not null, erased_at timestamp)
{%- endmacro %}


{#- The contract columns of `table` an erasure replaces (they carry erased_as). -#}
{% macro erased_columns(table) -%}
    {%- set erased = [] -%}
    {%- for column in contract_columns(table) if column.erased_as is not none -%}{%- do erased.append(column) -%}{%- endfor -%}
    {{ return(erased) }}
{%- endmacro %}


{#- `dbt run-operation erase_customers --args '{customer_ids: [7], free_text: [[fact_transactions,
    description]], placeholder: "[erased]"}'`, run by the erasure job with the lake's whole list:
    lists the ids, then replaces the listed customers' personal values with the placeholders in
    the last window's verdict (validated_), silver's runs, the quarantine, the restricted gold model
    and analysts' gold (masked from the placeholders, as dim_customer masks); and redacts their
    names and emails (erased_texts(), from the job's environment) from each free-text column in the
    same relations (macros/erasure/free_text.sql); then drops the candidates the last build left
    (macros/publish/candidates.sql), and forgets the digests the publish recorded
    (macros/publish/digests.sql). Logs the rows it changed per relation ("erasure counts {...}",
    null for a relation not built yet), never a value. Idempotent: a second run changes nothing. -#}
{% macro erase_customers(customer_ids, free_text=[], placeholder='[erased]') -%}
    {%- set table = 'dim_customers' -%}
    {%- set key = contract_table(table).key[0] -%}
    {%- set model = contract_table(table).model_name -%}
    {%- for customer in customer_ids -%}
        {%- if not modules.re.fullmatch('[0-9]{1,18}', customer | string) -%}
            {{ exceptions.raise_compiler_error("erase_customers: " ~ customer ~ " is not a customer id") }}
        {%- endif -%}
    {%- endfor -%}
    {#- One transaction: every relation is erased, or none. dbt's connection to DuckDB autocommits
        until dbt opens a transaction itself, which it does at the first relation looked up
        (load_relation, before any row changes); the list's rows before it commit alone, and a second
        run of the same erasure, which changes nothing twice, finds them there. -#}
    {%- if adapter.type() != 'duckdb' -%}{%- do run_query('begin') -%}{%- endif -%}
    {%- do run_query(create_erasure_list_schema()) -%}
    {%- do run_query(create_erasure_list()) -%}
    {%- for customer in customer_ids -%}
        {%- do run_query(
            "insert into " ~ erasure_list() ~ " (customer_id, erased_at) select " ~ customer ~ ", "
            ~ dbt.current_timestamp() ~ " where not exists (select 1 from " ~ erasure_list()
            ~ " where customer_id = " ~ customer ~ ")") -%}
    {%- endfor -%}
    {%- set listed = "(select customer_id from " ~ erasure_list() ~ ")" -%}
    {%- set typed, as_text, masked, validated = {}, {}, {}, {} -%}
    {%- for c in erased_columns(table) -%}
        {%- set value = "cast(" ~ sql_string(c.erased_as) ~ " as " ~ c.type ~ ")" -%}
        {%- do typed.update({c.name: value}) -%}
        {%- do as_text.update({c.name: sql_string(c.erased_as)}) -%}
        {%- do masked.update({c.name: (masked_column(table, c.name, value, key=key) | trim)}) -%}
        {#- the last window's verdict: each value typed, and as the bank sent it where it was quarantined -#}
        {%- set as_sent = c.name ~ '__as_sent' -%}
        {%- do validated.update({
            c.name: value,
            as_sent: "case when " ~ as_sent ~ " is not null then " ~ sql_string(c.erased_as) ~ " end",
        }) -%}
    {%- endfor -%}
    {%- set key_as_sent = safe_cast_text("nullif(trim(" ~ key ~ "__as_sent), '')", 'bigint') -%}
    {%- set counts = {
        'validated': _erase_rows(
            ref('validated_' ~ model), "(" ~ key ~ " in " ~ listed ~ " or " ~ key_as_sent ~ " in " ~ listed ~ ")", validated),
        'silver': _erase_rows(ref('stg_' ~ model), key ~ " in " ~ listed, typed),
        'quarantine': _erase_rows(
            ref('quarantine_' ~ model), safe_cast_text("nullif(trim(" ~ key ~ "), '')", 'bigint') ~ " in " ~ listed, as_text),
        'gold_restricted': _erase_rows(ref(model ~ '_pii'), key ~ " in " ~ listed, typed),
        'gold': _erase_rows(ref(model), key ~ " in " ~ listed, masked),
    } -%}
    {%- set texts = erased_texts() -%}
    {%- for layer in ('gold', 'validated', 'silver', 'quarantine') -%}
        {%- do counts.update({'text_' ~ layer: 0}) -%}
    {%- endfor -%}
    {%- for free_table, free_column in (free_text if texts else []) -%}
        {%- for layer, rows in erase_free_text(free_table, free_column, texts, placeholder).items() -%}
            {%- set so_far = counts['text_' ~ layer] -%}
            {%- do counts.update({'text_' ~ layer: none if rows is none or so_far is none else so_far + rows}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do counts.update({'candidates_dropped': drop_candidates()}) -%}
    {%- do forget_digests(commit=false) -%}
    {%- do run_query('commit') -%}
    {%- if adapter.type() == 'duckdb' -%}
        {#- the replaced values' blocks leave the file's write-ahead log -#}
        {%- do run_query('checkpoint') -%}
    {%- endif -%}
    {{ log('erasure counts ' ~ tojson(counts), info=True) }}
{%- endmacro %}


{#- Set `assignments` (column: SQL value) on the rows of `relation` matching `condition` whose
    values differ; returns how many rows changed (none when the relation is not built yet). -#}
{% macro _erase_rows(relation, condition, assignments) -%}
    {%- set existing = load_relation(relation) -%}
    {%- if existing is none -%}{{ return(none) }}{%- endif -%}
    {%- set differs, sets = [], [] -%}
    {%- for column, value in assignments.items() -%}
        {%- do differs.append("not (" ~ column ~ " = " ~ value ~ " or (" ~ column ~ " is null and " ~ value ~ " is null))") -%}
        {%- do sets.append(column ~ " = " ~ value) -%}
    {%- endfor -%}
    {%- set where = condition ~ " and (" ~ differs | join(' or ') ~ ")" -%}
    {%- set counted = run_query("select count(*) from " ~ existing ~ " where " ~ where) -%}
    {%- set rows = counted.columns[0].values()[0] | int -%}
    {%- if rows > 0 -%}
        {%- do run_query("update " ~ existing ~ " set " ~ sets | join(', ') ~ " where " ~ where) -%}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}
