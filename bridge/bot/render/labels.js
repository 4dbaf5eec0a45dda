'use strict'
// Per-pixel label values (uint16). Blocks: the minecraft-data block id (registry.blocksByStateId[s].id),
// 0 = sky or nothing. Entities: ENTITY_LABEL_BASE + the minecraft-data entity id (cow, item, player ...).
const SKY_LABEL = 0
const ENTITY_LABEL_BASE = 0x8000

function isEntityLabel (v) { return v >= ENTITY_LABEL_BASE }
function entityIdOfLabel (v) { return v >= ENTITY_LABEL_BASE ? v - ENTITY_LABEL_BASE : null }

module.exports = { SKY_LABEL, ENTITY_LABEL_BASE, isEntityLabel, entityIdOfLabel }
