{#- The contract of a bronze table as the macros read it (silver's runs, gold's masks, the erasure):
    contract_tables() is written by `make contract` from banking_dw/contracts.py
    (macros/generated/contract.sql). Silver's rules are not here: validated_<model> states them. -#}
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
            'personal': column.get('personal', false),
            'mask': column.get('mask'),
            'erased_as': column.get('erased_as'),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
