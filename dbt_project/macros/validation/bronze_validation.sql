{#- The contract columns of a bronze table, in order (dt excluded). -#}
{% macro bronze_columns(table) -%}
    {%- set columns = [] -%}
    {%- for column in bronze_contract(table).columns -%}
        {%- do columns.append({
            'name': column.name,
            'type': column.type,
            'nullable': column.get('nullable', false),
            'allowed_values': column.get('allowed_values'),
            'references': column.get('references'),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- The raw (text) contract columns of a bronze table, comma-separated, for quarantine models. -#}
{% macro bronze_column_list(table, prefix='') -%}
    {%- set names = [] -%}
    {%- for column in bronze_columns(table) -%}{%- do names.append(prefix ~ column.name) -%}{%- endfor -%}
    {{ return(names | join(',\n        ')) }}
{%- endmacro %}


{% macro _type_word(type) -%}
    {%- set t = type | lower -%}
    {%- if t.startswith('decimal') -%}{{ return('a decimal') }}
    {%- elif t in ('bigint', 'integer') -%}{{ return('an integer') }}
    {%- else -%}{{ return('a ' ~ t) }}
    {%- endif -%}
{%- endmacro %}


{#-
    bronze_validation_ctes(table): the CTEs that judge every bronze row of `table` in the window,
    shared by stg_<table> (rows whose quarantine_reason is null) and quarantine_<table> (the
    others), so the two partition the bronze rows: every row lands in exactly one of them.

    Emits `<table>__source`, `<table>__typed`, `<table>__checked`, `<table>__validated` (with the
    CTEs of any customer/account extract it looks up first). `<table>__validated` has the raw text
    columns, `dt` (partitioned tables), `<column>__typed` for each column, and `quarantine_reason`:
    null for a good row, else the FIRST failing rule naming the column and offending value, in
    this order:
      1. null or empty in a non-nullable column      "customer_id: null or empty"
      2. text that does not cast to the contract type "transaction_amount: not a decimal 'abc'"
      3. value outside the allowed values            "loan_status: not an allowed value 'Maybe'"
      4. negative / zero amount                       "transaction_amount: negative -5.00"
      5. date_id of a fact not the partition day      "date_id: 20240105 is not the partition day 2024-01-02"
      6. unknown foreign key: customers/accounts in the SAME day's extract (its valid rows),
         reference tables in their silver model      "account_id: unknown account 99 on 2024-01-02"
      7. duplicate key among otherwise-good rows: per day for extracts, in the window for facts,
         in the table for reference data; every copy is quarantined "transaction_id: duplicate key"
-#}
{% macro bronze_validation_ctes(table, _emitted=none) -%}
    {%- set emitted = [] if _emitted is none else _emitted -%}
    {%- set rules = bronze_rules(table) -%}
    {%- set contract = bronze_contract(table) -%}
    {%- set partitioned = contract.partitioned -%}
    {%- set columns = bronze_columns(table) -%}
    {%- set key = contract.key -%}
    {#- column -> referenced contract table, e.g. account_id -> dim_accounts -#}
    {%- set references = {} -%}
    {%- for column in columns if column.references -%}
        {%- do references.update({column.name: column.references.split('.')[0]}) -%}
    {%- endfor -%}

    {%- set ctes = [] -%}
    {#- Referenced extracts first: the same day's customers/accounts, validated the same way. -#}
    {%- for ref_table in references.values() -%}
        {%- if ref_table in extract_tables() and ref_table not in emitted and ref_table != table -%}
            {%- do ctes.append(bronze_validation_ctes(ref_table, emitted)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do emitted.append(table) -%}

    {%- set lookups = [] -%}
    {%- for column_name, ref_table in references.items() -%}
        {%- set ref_column = column_name -%}
        {%- if ref_table in extract_tables() -%}
            {%- set relation -%}(
            select distinct {{ ref_column }}__typed as lookup_key, dt as lookup_dt
            from {{ ref_table }}__validated
            where quarantine_reason is null
        ){%- endset -%}
        {%- else -%}
            {%- set relation -%}(
            select distinct {{ ref_column }} as lookup_key
            from {{ ref('stg_' ~ singular_table_name(ref_table)) }}
        ){%- endset -%}
        {%- endif -%}
        {%- do lookups.append({'column': column_name, 'table': ref_table, 'relation': relation,
                               'same_day': ref_table in extract_tables(), 'alias': column_name ~ '__lookup'}) -%}
    {%- endfor -%}

    {%- set checks = [] -%}
    {#- 1. null or empty -#}
    {%- for c in columns if not c.nullable -%}
        {%- do checks.append("when nullif(trim(" ~ c.name ~ "), '') is null then " ~ sql_string(c.name ~ ": null or empty")) -%}
    {%- endfor -%}
    {#- 2. type -#}
    {%- for c in columns if (c.type | lower) != 'varchar' -%}
        {%- do checks.append("when nullif(trim(" ~ c.name ~ "), '') is not null and " ~ c.name ~ "__typed is null then "
            ~ dbt.concat([sql_string(c.name ~ ": not " ~ _type_word(c.type) ~ " '"), c.name, "''''"])) -%}
    {%- endfor -%}
    {#- 3. allowed values -#}
    {%- for c in columns if c.allowed_values -%}
        {%- set as_text = c.name ~ "__typed" if (c.type | lower) == 'varchar' else "cast(" ~ c.name ~ "__typed as " ~ dbt.type_string() ~ ")" -%}
        {%- set quoted = [] -%}{%- for v in c.allowed_values -%}{%- do quoted.append(sql_string(v)) -%}{%- endfor -%}
        {%- do checks.append("when " ~ c.name ~ "__typed is not null and " ~ as_text ~ " not in (" ~ quoted | join(', ') ~ ") then "
            ~ dbt.concat([sql_string(c.name ~ ": not an allowed value '"), c.name, "''''"])) -%}
    {%- endfor -%}
    {#- 4. signs -#}
    {%- for name in rules.get('positive', []) + rules.get('non_negative', []) -%}
        {%- do checks.append("when " ~ name ~ "__typed < 0 then " ~ dbt.concat([sql_string(name ~ ": negative "), "trim(" ~ name ~ ")"])) -%}
    {%- endfor -%}
    {%- for name in rules.get('positive', []) -%}
        {%- do checks.append("when " ~ name ~ "__typed = 0 then " ~ dbt.concat([sql_string(name ~ ": zero "), "trim(" ~ name ~ ")"])) -%}
    {%- endfor -%}
    {#- 5. a fact's date_id is its partition day -#}
    {%- if table.startswith('fact_') and 'date_id' in references -%}
        {%- do checks.append("when date_id__typed <> " ~ date_id_of('dt') ~ " then "
            ~ dbt.concat(["'date_id: '", "trim(date_id)", "' is not the partition day '", "cast(dt as " ~ dbt.type_string() ~ ")"])) -%}
    {%- endif -%}
    {#- 6. foreign keys -#}
    {%- for l in lookups -%}
        {%- set message = [sql_string(l.column ~ ": unknown " ~ entity_word(l.table) ~ " "), "trim(" ~ l.column ~ ")"] -%}
        {%- if l.same_day -%}
            {%- set message = message + ["' on '", "cast(dt as " ~ dbt.type_string() ~ ")"] -%}
        {%- endif -%}
        {%- do checks.append("when " ~ l.alias ~ ".lookup_key is null then " ~ dbt.concat(message)) -%}
    {%- endfor -%}

    {%- set key_partition = [] -%}
    {%- for k in key -%}{%- do key_partition.append(k ~ "__typed") -%}{%- endfor -%}
    {%- if table in extract_tables() -%}{%- do key_partition.append('dt') -%}{%- endif -%}

    {%- set sql -%}
{{ table }}__source as (
    select
        {{ bronze_column_list(table) }}{% if partitioned %},
        dt{% endif %}
    from {{ source('bronze', table) }}
    {%- if partitioned %}
    where {{ window_filter('dt') }}
    {%- endif %}
),

{{ table }}__typed as (
    select
        {{ table }}__source.*
        {%- for c in columns %},
        {% if (c.type | lower) == 'varchar' -%}
        nullif({{ c.name }}, '')
        {%- else -%}
        {{ safe_cast_text("nullif(trim(" ~ c.name ~ "), '')", c.type) }}
        {%- endif %} as {{ c.name }}__typed
        {%- endfor %}
    from {{ table }}__source
),

{{ table }}__checked as (
    select
        {{ table }}__typed.*,
        case
            {%- for check in checks %}
            {{ check }}
            {%- endfor %}
        end as row_reason
    from {{ table }}__typed
    {%- for l in lookups %}
    left join {{ l.relation }} as {{ l.alias }}
        on {{ l.alias }}.lookup_key = {{ table }}__typed.{{ l.column }}__typed
        {%- if l.same_day %}
        and {{ l.alias }}.lookup_dt = {{ table }}__typed.dt
        {%- endif %}
    {%- endfor %}
),

{{ table }}__validated as (
    select
        {{ table }}__checked.*,
        coalesce(
            row_reason,
            case
                when sum(case when row_reason is null then 1 else 0 end)
                    over (partition by {{ key_partition | join(', ') }}) > 1
                then {{ sql_string(key | join(', ') ~ ': duplicate key') }}
            end
        ) as quarantine_reason
    from {{ table }}__checked
)
    {%- endset -%}
    {%- do ctes.append(sql) -%}
    {{ return(ctes | join(',\n\n')) }}
{%- endmacro %}


{#- The body of every quarantine_<model>: the bronze rows of `table` that break a rule, as raw
    text, with `dt` (partitioned tables) and quarantine_reason. -#}
{% macro quarantined_rows(table) -%}
with

{{ bronze_validation_ctes(table) }},

final as (

    select
        {{ bronze_column_list(table) }},
        {%- if bronze_contract(table).partitioned %}
        dt,
        {%- endif %}
        quarantine_reason
    from {{ table }}__validated
    where quarantine_reason is not null

)

select * from final
{%- endmacro %}
