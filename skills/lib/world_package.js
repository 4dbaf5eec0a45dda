'use strict'
// What the skills take from the embedded world's package (larm-world): the Minecraft version, the vanilla
// tables that minecraft-data lacks, the corrections to its registry, the game clock, and the world's test fixtures. Kept in
// one file, so that a move inside the world changes one place.
const { minecraft: minecraftVersion } = require('larm-world/vanilla/versions.json')
const smelting = require('larm-world/vanilla/smelting')
const enchanting = require('larm-world/vanilla/enchanting')
const { fixDigSpeeds } = require('larm-world/vanilla/registry_fixes')
const gameClock = require('larm-world/util/game_clock')

// Test-only, loaded on demand (the fixtures load the server).
const worldTestHelpers = () => require('larm-world/test/helpers')
const experienceRules = () => require('larm-world/plugins/experience')

module.exports = { minecraftVersion, smelting, enchanting, fixDigSpeeds, gameClock, worldTestHelpers, experienceRules }
