{#- Silver's value rules beyond what the contract (var bronze_contract) states:
    positive     amounts that must be > 0 (zero and negative are quarantined)
    non_negative amounts/balances that must be >= 0
-#}
{% macro bronze_rules(table) -%}
    {%- set rules = {
        'dim_currencies': {'positive': ['usd_exchange_rate']},
        'dim_loans': {'positive': ['term_months'], 'non_negative': ['interest_rate']},
        'fact_transactions': {'positive': ['transaction_amount']},
        'fact_investments': {'positive': ['investment_amount']},
        'fact_loans': {'positive': ['loan_amount']},
        'fact_daily_balances': {'non_negative': ['opening_balance', 'total_credits', 'total_debits', 'closing_balance']},
    } -%}
    {{ return(rules.get(table, {})) }}
{%- endmacro %}


{#- The contract of a bronze table: {key, partitioned, columns: [{name, type, nullable,
    allowed_values, references}]}, from the bronze_contract var (= banking_dw/contracts.py). -#}
{% macro bronze_contract(table) -%}
    {%- set contracts = var('bronze_contract') -%}
    {%- if table not in contracts -%}
        {{ exceptions.raise_compiler_error("bronze_contract: unknown bronze table " ~ table) }}
    {%- endif -%}
    {{ return(contracts[table]) }}
{%- endmacro %}


{#- dim_currencies -> dim_currency (the word a model name uses). -#}
{% macro singular_table_name(table) -%}
    {%- if table.endswith('ies') -%}
        {{ return(table[:-3] ~ 'y') }}
    {%- elif table.endswith('s') -%}
        {{ return(table[:-1]) }}
    {%- else -%}
        {{ return(table) }}
    {%- endif -%}
{%- endmacro %}


{#- The word a quarantine reason uses for a referenced table: dim_transaction_types -> transaction type. -#}
{% macro entity_word(table) -%}
    {{ return(singular_table_name(table).replace('dim_', '').replace('_', ' ')) }}
{%- endmacro %}


{#- A SQL string literal. -#}
{% macro sql_string(text) -%}
    {{ return("'" ~ (text | replace("'", "''")) ~ "'") }}
{%- endmacro %}
