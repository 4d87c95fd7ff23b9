{{ config(materialized='table', dist='all') }}

-- Grain: one row per transaction type (transaction_type_id). Reference data, rebuilt whole on every run.

with

source as (

    select * from {{ ref('stg_dim_transaction_type') }}

),

final as (

    select * from source

)

select * from final
