'use strict'
// The families a vanilla table names with a placeholder: "{tree}_log" stands for the log of every overworld
// tree, "{wood}_planks" adds bamboo, "{color}_wool" every dye colour. world/vanilla.py expands them the
// same way for Python (a test holds the two to the same tables).
const trees = require('./trees.json')

const FAMILIES = {
  tree: trees.overworld,
  wood: [...trees.overworld, ...trees.wood_without_trees],
  color: require('./colors.json')
}
const PLACEHOLDER = /\{(\w+)\}/

/** `entry` once per member of the family its placeholder names (one placeholder per entry), or as is. */
function expand (entry) {
  const text = JSON.stringify(entry)
  const m = PLACEHOLDER.exec(text)
  if (!m) return [entry]
  const members = FAMILIES[m[1]]
  if (!members) throw new Error(`unknown family {${m[1]}} in ${text}`)
  return members.map(member => JSON.parse(text.replaceAll(`{${m[1]}}`, member)))
}

module.exports = { FAMILIES, expand }
