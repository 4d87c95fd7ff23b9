{#- The contract of a bronze table as silver reads it: contract_tables() is written by
    `make contract` from banking_dw/contracts.py (macros/generated/contract.sql). -#}
{% macro contract_table(table) -%}
    {%- set tables = contract_tables() -%}
    {%- if table not in tables -%}
        {{ exceptions.raise_compiler_error("contract_table: unknown bronze table " ~ table) }}
    {%- endif -%}
    {{ return(tables[table]) }}
{%- endmacro %}


{#- The contract columns of a bronze table, in order (dt excluded), every optional field present. -#}
{% macro contract_columns(table) -%}
    {%- set columns = [] -%}
    {%- for column in contract_table(table).columns -%}
        {%- do columns.append({
            'name': column.name,
            'type': column.type,
            'nullable': column.get('nullable', false),
            'allowed_values': column.get('allowed_values'),
            'references': column.get('references'),
            'sign': column.get('sign'),
            'max_length': column.get('max_length'),
            'earliest': column.get('earliest'),
            'not_after_extract_day': column.get('not_after_extract_day', false),
            'personal': column.get('personal', false),
            'erased_as': column.get('erased_as'),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- The raw (text) contract columns of a bronze table, comma-separated. -#}
{% macro contract_column_list(table, prefix='') -%}
    {%- set names = [] -%}
    {%- for column in contract_columns(table) -%}{%- do names.append(prefix ~ column.name) -%}{%- endfor -%}
    {{ return(names | join(',\n        ')) }}
{%- endmacro %}


{#- The word a quarantine reason uses for a referenced table: its model name without the prefix,
    dim_transaction_types -> transaction type. -#}
{% macro entity_word(table) -%}
    {{ return(contract_table(table).model_name.replace('dim_', '').replace('fact_', '').replace('_', ' ')) }}
{%- endmacro %}
