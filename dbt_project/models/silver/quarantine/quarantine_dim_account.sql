{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    account_id__as_sent as account_id,
    customer_id__as_sent as customer_id,
    account_type__as_sent as account_type,
    currency_id__as_sent as currency_id,
    account_status__as_sent as account_status,
    open_date__as_sent as open_date,
    updated_at__as_sent as updated_at,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_account') }}
where quarantine_rule is not null
