{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    account_id,
    customer_id,
    account_type,
    currency_id,
    account_status,
    open_date,
    updated_at,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_account') }}
where quarantine_rule is null
