'use strict'
// The crafting recipes of minecraft-data (1557 on 1.21.4), indexed so that a crafting grid finds its recipe
// with one lookup. minecraft-data lists every alternative of vanilla's item tags as its own recipe (one
// wooden_pickaxe per kind of planks), each `inShape` (rows from the top, null = empty cell) or `ingredients`
// (shapeless). Vanilla rules kept here:
//  - a shaped pattern may sit anywhere in the grid, and matches mirrored left-right as well;
//  - a shapeless recipe matches its ingredients in any cells;
//  - ingredients match by item type; each craft uses one item of every filled cell;
//  - some ingredients leave an item behind in their cell (craft remainders: milk bucket -> bucket).
// Not covered: mixing alternatives of one tag in one craft (two kinds of planks for one crafting table),
// because minecraft-data lists the alternatives separately; and vanilla's "special" recipes, which
// minecraft-data does not list (tool repair, firework stars, map cloning, armour dyeing...).

// Item.getCraftingRemainder of vanilla 1.21.4.
const CRAFT_REMAINDERS = {
  milk_bucket: 'bucket',
  water_bucket: 'bucket',
  lava_bucket: 'bucket',
  powder_snow_bucket: 'bucket',
  honey_bottle: 'glass_bottle',
  dragon_breath: 'glass_bottle'
}

function createRecipeBook (registry) {
  const shaped = new Map() // "w,h|ids" -> recipe
  const shapeless = new Map() // "sorted ids" -> recipe
  const all = []
  let conflicts = 0

  const add = (map, key, recipe) => {
    const had = map.get(key)
    if (had && (had.result.id !== recipe.result.id || had.result.count !== recipe.result.count)) conflicts++
    if (!had) map.set(key, recipe)
  }

  for (const list of Object.values(registry.recipes || {})) {
    for (const raw of list) {
      const recipe = normalize(raw)
      if (!recipe) continue
      all.push(recipe)
      if (recipe.shape) {
        add(shaped, shapeKey(recipe.shape), recipe)
        add(shaped, shapeKey(mirror(recipe.shape)), recipe)
      } else {
        add(shapeless, shapelessKey(recipe.ingredients), recipe)
      }
    }
  }

  /**
   * The recipe that the grid (`cells`: item type ids or null, row by row, `width` wide) makes, or null.
   * Returns {result: {id, count}, shape|ingredients, raw}.
   */
  function match (cells, width) {
    const height = Math.ceil(cells.length / width)
    const box = trim(cells, width, height)
    if (!box) return null
    return shaped.get(shapeKey(box)) || shapeless.get(shapelessKey(cells.filter(c => c != null))) || null
  }

  return { match, recipes: all, conflicts, remainderOf: (name) => CRAFT_REMAINDERS[name] || null }
}

// {width, height, cells} of a recipe's inShape, trimmed to its filled bounding box.
function normalize (raw) {
  if (!raw || !raw.result || !Number.isInteger(raw.result.id)) return null
  const result = { id: raw.result.id, count: raw.result.count || 1 }
  if (Array.isArray(raw.inShape)) {
    const height = raw.inShape.length
    const width = Math.max(...raw.inShape.map(r => r.length))
    const cells = []
    for (const row of raw.inShape) for (let x = 0; x < width; x++) cells.push(idOf(row[x]))
    const shape = trim(cells, width, height)
    return shape ? { result, shape, raw } : null
  }
  if (Array.isArray(raw.ingredients)) {
    const ingredients = raw.ingredients.map(idOf).filter(c => c != null)
    return ingredients.length ? { result, ingredients, raw } : null
  }
  return null
}

function idOf (cell) {
  if (cell == null) return null
  if (typeof cell === 'number') return cell >= 0 ? cell : null
  if (typeof cell === 'object' && Number.isInteger(cell.id)) return cell.id >= 0 ? cell.id : null
  return null
}

function trim (cells, width, height) {
  let minX = width
  let maxX = -1
  let minY = height
  let maxY = -1
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (cells[y * width + x] == null) continue
      minX = Math.min(minX, x)
      maxX = Math.max(maxX, x)
      minY = Math.min(minY, y)
      maxY = Math.max(maxY, y)
    }
  }
  if (maxX < 0) return null
  const w = maxX - minX + 1
  const h = maxY - minY + 1
  const out = []
  for (let y = minY; y <= maxY; y++) for (let x = minX; x <= maxX; x++) out.push(cells[y * width + x] ?? null)
  return { width: w, height: h, cells: out }
}

function mirror ({ width, height, cells }) {
  const out = []
  for (let y = 0; y < height; y++) for (let x = width - 1; x >= 0; x--) out.push(cells[y * width + x])
  return { width, height, cells: out }
}

function shapeKey ({ width, height, cells }) {
  return `${width},${height}|${cells.map(c => c ?? '_').join(',')}`
}

function shapelessKey (ids) {
  return [...ids].sort((a, b) => a - b).join(',')
}

module.exports = { createRecipeBook, CRAFT_REMAINDERS }
