{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    transaction_id,
    account_id,
    date_id,
    transaction_timestamp,
    channel_id,
    location_id,
    currency_id,
    transaction_type_id,
    transaction_amount,
    transaction_status,
    description,
    dt as partition_date
from {{ ref('validated_fact_transaction') }}
where quarantine_rule is null
