{{ config(materialized='table', dist='all') }}

-- Grain: one row per location (location_id). Reference data, rebuilt whole on every run.

with

source as (

    select * from {{ ref('stg_dim_location') }}

),

final as (

    select * from source

)

select * from final
