{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    currency_id__as_sent as currency_id,
    currency_code__as_sent as currency_code,
    currency_name__as_sent as currency_name,
    usd_exchange_rate__as_sent as usd_exchange_rate,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_currency') }}
where quarantine_rule is not null
