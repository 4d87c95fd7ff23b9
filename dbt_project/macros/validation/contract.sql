{#- The contract of a bronze table: {model_name, key, columns: [{name, type, nullable,
    allowed_values, references}]}, from the bronze_contract var (= banking_dw/contracts.py). -#}
{% macro bronze_contract(table) -%}
    {%- set contracts = var('bronze_contract') -%}
    {%- if table not in contracts -%}
        {{ exceptions.raise_compiler_error("bronze_contract: unknown bronze table " ~ table) }}
    {%- endif -%}
    {{ return(contracts[table]) }}
{%- endmacro %}


{#- The contract columns of a bronze table, in order (dt excluded), every optional field present. -#}
{% macro bronze_columns(table) -%}
    {%- set columns = [] -%}
    {%- for column in bronze_contract(table).columns -%}
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


{#- The word a quarantine reason uses for a referenced table: its model name without the prefix,
    dim_transaction_types -> transaction type. -#}
{% macro entity_word(table) -%}
    {{ return(bronze_contract(table).model_name.replace('dim_', '').replace('fact_', '').replace('_', ' ')) }}
{%- endmacro %}
