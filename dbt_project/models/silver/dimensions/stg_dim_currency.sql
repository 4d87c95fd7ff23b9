{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    currency_id,
    currency_code,
    currency_name,
    usd_exchange_rate,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_currency') }}
where quarantine_rule is null
