{#- A SQL string literal. -#}
{% macro sql_string(text) -%}
    {{ return("'" ~ (text | replace("'", "''")) ~ "'") }}
{%- endmacro %}
