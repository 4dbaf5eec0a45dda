'use strict'
// Vanilla reference values the checks compare the server with, written independently of the server's
// plugins (and of prismarine-block, whose dig times are wrong for blocks that minecraft-data 1.21.4 tags
// 'incorrect_for_wooden_tool' instead of 'mineable/pickaxe': iron, gold, diamond, redstone, lapis ores,
// obsidian...).

const TOOL_SPEED = { wooden: 2, stone: 4, iron: 6, diamond: 8, netherite: 9, golden: 12 }

function toolKind (itemName) {
  const m = /^(wooden|stone|iron|diamond|netherite|golden)_(pickaxe|axe|shovel|hoe|sword)$/.exec(itemName || '')
  return m ? { tier: m[1], kind: m[2] } : null
}

/** The tool kinds that mine `block` fast, from minecraft-data's material, repairing the 1.21.4 tag bug. */
function mineableBy (block) {
  const material = block.material || ''
  const kinds = new Set()
  for (const part of material.split(';')) {
    const m = /^mineable\/(\w+)$/.exec(part)
    if (m) kinds.add(m[1])
    if (part.startsWith('incorrect_for_')) kinds.add('pickaxe') // only pickaxe blocks carry tier tags
  }
  return kinds
}

/** Vanilla dig time in ms for `block` (a minecraft-data block) with the item named `toolName` (or hand). */
function digTimeMs (registry, block, toolName) {
  if (block.hardness === null || block.hardness < 0) return Infinity
  if (block.hardness === 0) return 0
  const tool = toolKind(toolName)
  const toolId = toolName ? registry.itemsByName[toolName]?.id : null
  const canHarvest = !block.harvestTools || (toolId !== null && toolId !== undefined && Boolean(block.harvestTools[toolId]))
  let speed = 1
  if (tool && mineableBy(block).has(tool.kind)) speed = TOOL_SPEED[tool.tier]
  if (tool && tool.kind === 'sword' && block.name === 'cobweb') speed = 15
  const perTick = speed / block.hardness / (canHarvest ? 30 : 100)
  if (perTick > 1) return 0
  return Math.ceil(1 / perTick) * 50
}

module.exports = { digTimeMs, mineableBy, TOOL_SPEED }
