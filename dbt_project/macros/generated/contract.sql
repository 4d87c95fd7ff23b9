{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

{#- The fourteen tables: model name, key, columns with their types, masks and erasure placeholders (banking_dw/contracts.py). -#}
{% macro contract_tables() -%}
    {{ return({
        "dim_dates": {"model_name": "dim_date", "key": ["date_id"], "columns": [
            {"name": "date_id", "type": "integer"},
            {"name": "date", "type": "date"},
            {"name": "year", "type": "integer"},
            {"name": "quarter", "type": "integer"},
            {"name": "month", "type": "integer"},
            {"name": "month_name", "type": "varchar"},
            {"name": "day_of_month", "type": "integer"},
            {"name": "day_of_week", "type": "integer"},
            {"name": "day_name", "type": "varchar"},
            {"name": "week_of_year", "type": "integer"},
            {"name": "is_weekend", "type": "boolean"}
        ]},
        "dim_channels": {"model_name": "dim_channel", "key": ["channel_id"], "columns": [
            {"name": "channel_id", "type": "integer"},
            {"name": "channel_name", "type": "varchar"},
            {"name": "is_digital", "type": "boolean"}
        ]},
        "dim_transaction_types": {"model_name": "dim_transaction_type", "key": ["transaction_type_id"], "columns": [
            {"name": "transaction_type_id", "type": "integer"},
            {"name": "transaction_type_name", "type": "varchar"},
            {"name": "direction", "type": "varchar"}
        ]},
        "dim_locations": {"model_name": "dim_location", "key": ["location_id"], "columns": [
            {"name": "location_id", "type": "integer"},
            {"name": "city", "type": "varchar"},
            {"name": "state", "type": "varchar"},
            {"name": "country", "type": "varchar"},
            {"name": "postal_code", "type": "varchar"}
        ]},
        "dim_currencies": {"model_name": "dim_currency", "key": ["currency_id"], "columns": [
            {"name": "currency_id", "type": "integer"},
            {"name": "currency_code", "type": "varchar"},
            {"name": "currency_name", "type": "varchar"},
            {"name": "usd_exchange_rate", "type": "decimal(18,6)"}
        ]},
        "dim_investment_types": {"model_name": "dim_investment_type", "key": ["investment_type_id"], "columns": [
            {"name": "investment_type_id", "type": "integer"},
            {"name": "investment_type_name", "type": "varchar"},
            {"name": "risk_level", "type": "varchar"}
        ]},
        "dim_loans": {"model_name": "dim_loan", "key": ["loan_id"], "columns": [
            {"name": "loan_id", "type": "integer"},
            {"name": "loan_type", "type": "varchar"},
            {"name": "loan_name", "type": "varchar"},
            {"name": "interest_rate", "type": "decimal(18,2)"},
            {"name": "term_months", "type": "integer"}
        ]},
        "dim_customers": {"model_name": "dim_customer", "key": ["customer_id"], "columns": [
            {"name": "customer_id", "type": "bigint"},
            {"name": "first_name", "type": "varchar", "personal": true, "mask": "given_name_pseudonym", "erased_as": "[erased]"},
            {"name": "last_name", "type": "varchar", "personal": true, "mask": "family_name_pseudonym", "erased_as": "[erased]"},
            {"name": "email", "type": "varchar", "personal": true, "mask": "hash", "erased_as": "erased@erased.invalid"},
            {"name": "phone", "type": "varchar", "personal": true, "mask": "last_digits", "erased_as": "(000) 000-0000"},
            {"name": "date_of_birth", "type": "date", "personal": true, "mask": "birth_year", "erased_as": "1900-01-01"},
            {"name": "address", "type": "varchar", "personal": true, "mask": "removed", "erased_as": "[erased]"},
            {"name": "city", "type": "varchar", "personal": true},
            {"name": "state", "type": "varchar", "personal": true},
            {"name": "country", "type": "varchar", "personal": true},
            {"name": "customer_segment", "type": "varchar"},
            {"name": "join_date", "type": "date"},
            {"name": "updated_at", "type": "timestamp"}
        ]},
        "dim_accounts": {"model_name": "dim_account", "key": ["account_id"], "columns": [
            {"name": "account_id", "type": "bigint"},
            {"name": "customer_id", "type": "bigint"},
            {"name": "account_type", "type": "varchar"},
            {"name": "currency_id", "type": "integer"},
            {"name": "account_status", "type": "varchar"},
            {"name": "open_date", "type": "date"},
            {"name": "updated_at", "type": "timestamp"}
        ]},
        "fact_transactions": {"model_name": "fact_transaction", "key": ["transaction_id"], "columns": [
            {"name": "transaction_id", "type": "bigint"},
            {"name": "account_id", "type": "bigint"},
            {"name": "date_id", "type": "integer"},
            {"name": "transaction_timestamp", "type": "timestamp"},
            {"name": "channel_id", "type": "integer"},
            {"name": "location_id", "type": "integer"},
            {"name": "currency_id", "type": "integer"},
            {"name": "transaction_type_id", "type": "integer"},
            {"name": "transaction_amount", "type": "decimal(18,2)"},
            {"name": "transaction_status", "type": "varchar"},
            {"name": "description", "type": "varchar", "personal": true, "mask": "first_two_words"}
        ]},
        "fact_investments": {"model_name": "fact_investment", "key": ["investment_id"], "columns": [
            {"name": "investment_id", "type": "bigint"},
            {"name": "customer_id", "type": "bigint"},
            {"name": "account_id", "type": "bigint"},
            {"name": "investment_type_id", "type": "integer"},
            {"name": "date_id", "type": "integer"},
            {"name": "investment_amount", "type": "decimal(18,2)"},
            {"name": "investment_return", "type": "decimal(18,2)"}
        ]},
        "fact_loans": {"model_name": "fact_loan", "key": ["loan_fact_id"], "columns": [
            {"name": "loan_fact_id", "type": "bigint"},
            {"name": "loan_id", "type": "integer"},
            {"name": "customer_id", "type": "bigint"},
            {"name": "date_id", "type": "integer"},
            {"name": "loan_amount", "type": "decimal(18,2)"},
            {"name": "loan_status", "type": "varchar"}
        ]},
        "fact_customer_interactions": {"model_name": "fact_customer_interactions", "key": ["interaction_id"], "columns": [
            {"name": "interaction_id", "type": "bigint"},
            {"name": "customer_id", "type": "bigint"},
            {"name": "channel_id", "type": "integer"},
            {"name": "date_id", "type": "integer"},
            {"name": "interaction_timestamp", "type": "timestamp"},
            {"name": "interaction_type", "type": "varchar"},
            {"name": "resolution_status", "type": "varchar"},
            {"name": "satisfaction_score", "type": "integer"}
        ]},
        "fact_daily_balances": {"model_name": "fact_daily_balances", "key": ["account_id", "date_id"], "columns": [
            {"name": "account_id", "type": "bigint"},
            {"name": "date_id", "type": "integer"},
            {"name": "currency_id", "type": "integer"},
            {"name": "opening_balance", "type": "decimal(18,2)"},
            {"name": "total_credits", "type": "decimal(18,2)"},
            {"name": "total_debits", "type": "decimal(18,2)"},
            {"name": "closing_balance", "type": "decimal(18,2)"}
        ]}
    }) }}
{%- endmacro %}


{#- What text is a valid value of each type (banking_dw/value_rules.py). -#}
{% macro contract_types() -%}
    {{ return({
        "bigint": {"pattern": "[+-]?[0-9]{1,18}", "calendar": false},
        "integer": {"pattern": "[+-]?[0-9]{1,9}", "calendar": false},
        "decimal(18,2)": {"pattern": "[+-]?[0-9]{1,16}([.][0-9]{1,2})?", "calendar": false},
        "decimal(18,6)": {"pattern": "[+-]?[0-9]{1,12}([.][0-9]{1,6})?", "calendar": false},
        "date": {"pattern": "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", "calendar": true},
        "timestamp": {"pattern": "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", "calendar": true},
        "boolean": {"pattern": "[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]", "calendar": false}
    }) }}
{%- endmacro %}
