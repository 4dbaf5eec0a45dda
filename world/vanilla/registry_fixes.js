'use strict'
// Corrections to minecraft-data 3.117's 1.21.4 tables, applied by both the embedded server and the bot so
// that their dig-time estimates agree with each other and with vanilla.
//
// Blocks that need a tool tier (iron ore, diamond ore, obsidian...) have a material such as
// 'incorrect_for_wooden_tool' whose speed table lists only the tools that are too weak, so every pickaxe
// digs them at hand speed: obsidian took 75 s with a diamond pickaxe instead of vanilla's 9.4 s. In vanilla
// all of these are pickaxe blocks, so they get the pickaxe speed table; whether the tool may harvest them is
// decided separately (harvestTools), as before.

function fixDigSpeeds (registry) {
  const pickaxe = registry.materials['mineable/pickaxe']
  if (!pickaxe || registry.__digSpeedsFixed) return registry
  for (const name of Object.keys(registry.materials)) {
    if (name.startsWith('incorrect_for_')) registry.materials[name] = { ...pickaxe }
  }
  Object.defineProperty(registry, '__digSpeedsFixed', { value: true })
  return registry
}

module.exports = { fixDigSpeeds }
