{#- Body of the daily_completed_transactions_by_* models, which differ only in their grain: the
    window's Completed transactions per day, `columns` and currency, counted and summed in the
    account's currency (a report converts to USD when it sums the days). -#}
{% macro daily_completed_transactions(columns) -%}
{%- set grain = ['partition_date'] + columns + ['currency_id'] -%}
select
    {%- for column in grain %}
    {{ column }},
    {%- endfor %}
    count(transaction_id) as transactions,
    sum(transaction_amount) as amount
from {{ ref('fact_transaction') }}
where {{ window_filter('partition_date') }} and transaction_status = 'Completed'
group by {{ grain | join(', ') }}
{%- endmacro %}
