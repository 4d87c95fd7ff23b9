{{ config(materialized='table', dist='all') }}

-- Grain: one row per currency (currency_id). Reference data, rebuilt whole on every run.

with

source as (

    select * from {{ ref('stg_dim_currency') }}

),

final as (

    select * from source

)

select * from final
