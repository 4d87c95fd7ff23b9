{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

{#- The fourteen tables: model name, key, columns with their rules (banking_dw/contracts.py). -#}
{% macro contract_tables() -%}
    {{ return({
        "dim_dates": {"model_name": "dim_date", "key": ["date_id"], "columns": [
            {"name": "date_id", "type": "integer"},
            {"name": "date", "type": "date"},
            {"name": "year", "type": "integer"},
            {"name": "quarter", "type": "integer"},
            {"name": "month", "type": "integer"},
            {"name": "month_name", "type": "varchar", "max_length": 255},
            {"name": "day_of_month", "type": "integer"},
            {"name": "day_of_week", "type": "integer"},
            {"name": "day_name", "type": "varchar", "max_length": 255},
            {"name": "week_of_year", "type": "integer"},
            {"name": "is_weekend", "type": "boolean"}
        ]},
        "dim_channels": {"model_name": "dim_channel", "key": ["channel_id"], "columns": [
            {"name": "channel_id", "type": "integer"},
            {"name": "channel_name", "type": "varchar", "allowed_values": ["Online", "Mobile", "ATM", "Branch", "Phone"], "max_length": 255},
            {"name": "is_digital", "type": "boolean"}
        ]},
        "dim_transaction_types": {"model_name": "dim_transaction_type", "key": ["transaction_type_id"], "columns": [
            {"name": "transaction_type_id", "type": "integer"},
            {"name": "transaction_type_name", "type": "varchar", "allowed_values": ["Deposit", "Withdrawal", "Transfer In", "Transfer Out", "Payment"], "max_length": 255},
            {"name": "direction", "type": "varchar", "allowed_values": ["credit", "debit"], "max_length": 255}
        ]},
        "dim_locations": {"model_name": "dim_location", "key": ["location_id"], "columns": [
            {"name": "location_id", "type": "integer"},
            {"name": "city", "type": "varchar", "max_length": 255},
            {"name": "state", "type": "varchar", "max_length": 255},
            {"name": "country", "type": "varchar", "max_length": 255},
            {"name": "postal_code", "type": "varchar", "max_length": 16}
        ]},
        "dim_currencies": {"model_name": "dim_currency", "key": ["currency_id"], "columns": [
            {"name": "currency_id", "type": "integer"},
            {"name": "currency_code", "type": "varchar", "allowed_values": ["USD", "EUR", "JPY"], "max_length": 255},
            {"name": "currency_name", "type": "varchar", "max_length": 255},
            {"name": "usd_exchange_rate", "type": "decimal(18,6)", "sign": "positive"}
        ]},
        "dim_investment_types": {"model_name": "dim_investment_type", "key": ["investment_type_id"], "columns": [
            {"name": "investment_type_id", "type": "integer"},
            {"name": "investment_type_name", "type": "varchar", "allowed_values": ["Stocks", "Bonds", "Mutual Funds", "ETFs", "Real Estate"], "max_length": 255},
            {"name": "risk_level", "type": "varchar", "allowed_values": ["Low", "Medium", "High"], "max_length": 255}
        ]},
        "dim_loans": {"model_name": "dim_loan", "key": ["loan_id"], "columns": [
            {"name": "loan_id", "type": "integer"},
            {"name": "loan_type", "type": "varchar", "allowed_values": ["Mortgage", "Auto", "Personal", "Student", "Business"], "max_length": 255},
            {"name": "loan_name", "type": "varchar", "max_length": 255},
            {"name": "interest_rate", "type": "decimal(18,2)", "sign": "non_negative"},
            {"name": "term_months", "type": "integer", "sign": "positive"}
        ]},
        "dim_customers": {"model_name": "dim_customer", "key": ["customer_id"], "columns": [
            {"name": "customer_id", "type": "bigint"},
            {"name": "first_name", "type": "varchar", "max_length": 255, "personal": true, "mask": "given_name_pseudonym", "erased_as": "[erased]"},
            {"name": "last_name", "type": "varchar", "max_length": 255, "personal": true, "mask": "family_name_pseudonym", "erased_as": "[erased]"},
            {"name": "email", "type": "varchar", "max_length": 254, "personal": true, "mask": "hash", "erased_as": "erased@erased.invalid"},
            {"name": "phone", "type": "varchar", "max_length": 32, "personal": true, "mask": "last_digits", "erased_as": "(000) 000-0000"},
            {"name": "date_of_birth", "type": "date", "earliest": "1900-01-01", "not_after_extract_day": true, "personal": true, "mask": "birth_year", "erased_as": "1900-01-01"},
            {"name": "address", "type": "varchar", "max_length": 255, "personal": true, "mask": "removed", "erased_as": "[erased]"},
            {"name": "city", "type": "varchar", "max_length": 255, "personal": true},
            {"name": "state", "type": "varchar", "max_length": 255, "personal": true},
            {"name": "country", "type": "varchar", "max_length": 255, "personal": true},
            {"name": "customer_segment", "type": "varchar", "allowed_values": ["Retail", "Premium", "Private"], "max_length": 255},
            {"name": "join_date", "type": "date", "not_after_extract_day": true},
            {"name": "updated_at", "type": "timestamp"}
        ]},
        "dim_accounts": {"model_name": "dim_account", "key": ["account_id"], "columns": [
            {"name": "account_id", "type": "bigint"},
            {"name": "customer_id", "type": "bigint", "references": "dim_customers.customer_id"},
            {"name": "account_type", "type": "varchar", "allowed_values": ["Checking", "Savings", "Money Market"], "max_length": 255},
            {"name": "currency_id", "type": "integer", "references": "dim_currencies.currency_id"},
            {"name": "account_status", "type": "varchar", "allowed_values": ["Active", "Dormant", "Frozen"], "max_length": 255},
            {"name": "open_date", "type": "date", "not_after_extract_day": true},
            {"name": "updated_at", "type": "timestamp"}
        ]},
        "fact_transactions": {"model_name": "fact_transaction", "key": ["transaction_id"], "columns": [
            {"name": "transaction_id", "type": "bigint"},
            {"name": "account_id", "type": "bigint", "references": "dim_accounts.account_id"},
            {"name": "date_id", "type": "integer", "references": "dim_dates.date_id"},
            {"name": "transaction_timestamp", "type": "timestamp"},
            {"name": "channel_id", "type": "integer", "references": "dim_channels.channel_id"},
            {"name": "location_id", "type": "integer", "references": "dim_locations.location_id"},
            {"name": "currency_id", "type": "integer", "references": "dim_currencies.currency_id"},
            {"name": "transaction_type_id", "type": "integer", "references": "dim_transaction_types.transaction_type_id"},
            {"name": "transaction_amount", "type": "decimal(18,2)", "sign": "positive"},
            {"name": "transaction_status", "type": "varchar", "allowed_values": ["Completed", "Pending", "Failed", "Reversed"], "max_length": 255},
            {"name": "description", "type": "varchar", "max_length": 255, "personal": true, "mask": "first_two_words"}
        ]},
        "fact_investments": {"model_name": "fact_investment", "key": ["investment_id"], "columns": [
            {"name": "investment_id", "type": "bigint"},
            {"name": "customer_id", "type": "bigint", "references": "dim_customers.customer_id"},
            {"name": "account_id", "type": "bigint", "references": "dim_accounts.account_id"},
            {"name": "investment_type_id", "type": "integer", "references": "dim_investment_types.investment_type_id"},
            {"name": "date_id", "type": "integer", "references": "dim_dates.date_id"},
            {"name": "investment_amount", "type": "decimal(18,2)", "sign": "positive"},
            {"name": "investment_return", "type": "decimal(18,2)"}
        ]},
        "fact_loans": {"model_name": "fact_loan", "key": ["loan_fact_id"], "columns": [
            {"name": "loan_fact_id", "type": "bigint"},
            {"name": "loan_id", "type": "integer", "references": "dim_loans.loan_id"},
            {"name": "customer_id", "type": "bigint", "references": "dim_customers.customer_id"},
            {"name": "date_id", "type": "integer", "references": "dim_dates.date_id"},
            {"name": "loan_amount", "type": "decimal(18,2)", "sign": "positive"},
            {"name": "loan_status", "type": "varchar", "allowed_values": ["Approved", "Rejected", "Pending"], "max_length": 255}
        ]},
        "fact_customer_interactions": {"model_name": "fact_customer_interactions", "key": ["interaction_id"], "columns": [
            {"name": "interaction_id", "type": "bigint"},
            {"name": "customer_id", "type": "bigint", "references": "dim_customers.customer_id"},
            {"name": "channel_id", "type": "integer", "references": "dim_channels.channel_id"},
            {"name": "date_id", "type": "integer", "references": "dim_dates.date_id"},
            {"name": "interaction_timestamp", "type": "timestamp"},
            {"name": "interaction_type", "type": "varchar", "allowed_values": ["Inquiry", "Complaint", "Support", "Feedback"], "max_length": 255},
            {"name": "resolution_status", "type": "varchar", "allowed_values": ["Resolved", "Pending", "Escalated"], "max_length": 255},
            {"name": "satisfaction_score", "type": "integer", "nullable": true, "allowed_values": ["1", "2", "3", "4", "5"]}
        ]},
        "fact_daily_balances": {"model_name": "fact_daily_balances", "key": ["account_id", "date_id"], "columns": [
            {"name": "account_id", "type": "bigint", "references": "dim_accounts.account_id"},
            {"name": "date_id", "type": "integer", "references": "dim_dates.date_id"},
            {"name": "currency_id", "type": "integer", "references": "dim_currencies.currency_id"},
            {"name": "opening_balance", "type": "decimal(18,2)", "sign": "non_negative"},
            {"name": "total_credits", "type": "decimal(18,2)", "sign": "non_negative"},
            {"name": "total_debits", "type": "decimal(18,2)", "sign": "non_negative"},
            {"name": "closing_balance", "type": "decimal(18,2)", "sign": "non_negative"}
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
