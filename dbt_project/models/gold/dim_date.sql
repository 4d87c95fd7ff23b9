{{ config(materialized='table', dist='all') }}

-- Grain: one row per calendar day (date_id). Reference data, rebuilt whole on every run.

with

source as (

    select * from {{ ref('stg_dim_date') }}

),

final as (

    select * from source

)

select * from final
