{{ config(materialized='table', dist='all') }}

-- Grain: one row per investment type (investment_type_id). Reference data, rebuilt whole on every run.

with

source as (

    select * from {{ ref('stg_dim_investment_type') }}

),

final as (

    select * from source

)

select * from final
