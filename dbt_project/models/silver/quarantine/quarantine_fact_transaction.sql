{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    transaction_id__as_sent as transaction_id,
    account_id__as_sent as account_id,
    date_id__as_sent as date_id,
    transaction_timestamp__as_sent as transaction_timestamp,
    channel_id__as_sent as channel_id,
    location_id__as_sent as location_id,
    currency_id__as_sent as currency_id,
    transaction_type_id__as_sent as transaction_type_id,
    transaction_amount__as_sent as transaction_amount,
    transaction_status__as_sent as transaction_status,
    description__as_sent as description,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_fact_transaction') }}
where quarantine_rule is not null
