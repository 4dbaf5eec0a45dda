'use strict'
// One player's windows, server-authoritative, speaking the 1.21.4 protocol the way vanilla's server does:
//  - the server applies every click itself (click_engine.js) and never takes the client's word for a slot;
//  - it remembers what the client believes each slot holds (the client's own prediction of a click counts
//    as what it believes), and after a click or any other change sends set_slot only where the client is
//    wrong; a cursor the client got wrong, or a click made on an out-of-date state id, gets the whole window
//    (window_items with the carried item);
//  - every set_slot/window_items carries a new state id; mode 5 with state id -1 (mineflayer's syncWindow)
//    is therefore always answered with window_items;
//  - while a container is open, changes to the player's inventory are sent through the container's window
//    (mineflayer copies that window's inventory part back into bot.inventory when it closes it);
//  - a click on a crafting grid or its result is always answered with the result slot (slot 0): mineflayer
//    waits for that set_slot before its next click.
// Bad input (unknown window, slot out of range, malformed fields) is logged and answered with a full resync;
// a click that throws is rolled back. Nothing here can create or lose items.

const { Vec3 } = require('vec3')
const nbt = require('prismarine-nbt')
const { createInventoryMenu } = require('./inventory_menu')
const { createCraftingTableMenu } = require('./crafting')
const { createEnchantingMenu } = require('./enchanting_window')
const { playerInventorySlots } = require('./menu')

const EYE_HEIGHT = 1.62
const MAX_CHANGED_SLOTS = 256 // a click changes at most a window's worth of slots
const STILL_VALID_DISTANCE = 8 // vanilla: containers close when the player is this far from the block

class WindowSession {
  constructor ({ player, serv, shared }) {
    this.player = player
    this.serv = serv
    this.shared = shared // {tools, engine, book, furnaces, menuTypes, log, random}
    this.tools = shared.tools
    this.engine = shared.engine
    this.log = shared.log
    this.stateId = 0
    this.windowCounter = 0
    this.container = null
    this.closed = false
    this.flushScheduled = false
    this.rawWrite = null
    this.invSlots = playerInventorySlots(player, this.engine)
    this.inventoryMenu = createInventoryMenu({
      invSlots: this.invSlots,
      engine: this.engine,
      book: shared.book,
      tools: this.tools,
      ctx: () => this.clickContext(),
      onCrafted: (item) => serv.emit('itemCrafted', { player, item })
    })
    this.inventoryMenu.remote.fill('') // a fresh client shows an empty inventory
  }

  /** Route the client's inventory packets here and take over flying-squid's set_slot writes for window 0. */
  attach () {
    const client = this.player._client
    const raw = client.write.bind(client)
    this.rawWrite = (name, params) => {
      if (this.closed) return
      try {
        raw(name, params)
      } catch (err) {
        this.log.warn(`windows: could not send ${name} to ${this.player.username}: ${err.message}`)
      }
    }
    // flying-squid (and the other plugins, through player.inventory.updateSlot) write set_slot for window 0
    // with no state id and whatever window is open. Such writes become "the inventory changed": the next flush
    // sends what the client needs, through the right window, with state ids.
    client.write = (name, params) => {
      if (name === 'set_slot' && params && params.windowId === 0) {
        this.scheduleFlush()
        return
      }
      return raw(name, params)
    }
    for (const packet of ['window_click', 'close_window', 'enchant_item']) client.removeAllListeners(packet)
    client.on('window_click', (packet) => this.guard('window_click', () => this.onClick(packet)))
    client.on('close_window', (packet) => this.guard('close_window', () => this.onClose(packet)))
    client.on('enchant_item', (packet) => this.guard('enchant_item', () => this.onButton(packet)))
    client.once('end', () => this.guard('disconnect', () => this.onDisconnect()))
  }

  guard (what, fn) {
    try {
      fn()
    } catch (err) {
      this.log.error(`windows: ${what} from ${this.player.username} failed: ${err.stack || err}`)
      try { this.sendFull(this.current()) } catch {}
    }
  }

  current () {
    return this.container || this.inventoryMenu
  }

  // ---- the click context: what a click may do outside its window ----

  clickContext () {
    return {
      creative: this.player.gameMode === 1,
      drop: (item) => this.dropFromPlayer(item),
      placeBack: (item) => this.placeBack(item),
      hotbarSlot: (button) => this.invSlots[button === 40 ? 45 : 36 + button]
    }
  }

  /**
   * Put `item` into the player's inventory as vanilla's placeItemBackInInventory: stacks it can join (the
   * selected hotbar slot and the offhand first), then empty slots (hotbar first); what does not fit drops.
   */
  placeBack (item) {
    if (!item || item.count <= 0) return
    const inv = this.player.inventory
    const held = 36 + (this.player.heldItemSlot || 0)
    const joinOrder = [held, 45, ...range(36, 45), ...range(9, 36)]
    for (const k of joinOrder) {
      const s = inv.slots[k]
      if (item.count <= 0) return
      if (!s || !this.tools.sameItem(s, item) || s.count >= this.tools.maxStack(s)) continue
      const n = Math.min(item.count, this.tools.maxStack(s) - s.count)
      s.count += n
      item.count -= n
      inv.updateSlot(k, s)
    }
    for (const k of [...range(36, 45), ...range(9, 36)]) {
      if (item.count <= 0) return
      if (inv.slots[k]) continue
      const n = Math.min(item.count, this.tools.maxStack(item))
      inv.updateSlot(k, this.tools.copy(item, n))
      item.count -= n
    }
    if (item.count > 0) this.dropFromPlayer(item, { fallbackToInventory: false })
  }

  /** Throw `item` from the player's eyes the way they look (vanilla player.drop). */
  dropFromPlayer (item, { fallbackToInventory = true } = {}) {
    if (!item || item.count <= 0) return
    const player = this.player
    if (typeof this.serv.dropItem !== 'function') {
      this.log.error(`windows: serv.dropItem is missing (item_entities plugin not loaded); cannot drop ${item.count} ${item.name}`)
      if (fallbackToInventory) return this.placeBack(item)
      this.log.error(`windows: ${item.count} ${item.name} of ${player.username} lost: no room and no item entities`)
      return
    }
    const yaw = (player.yaw || 0) * 2 * Math.PI / 256
    const pitch = (player.pitch || 0) * 2 * Math.PI / 256
    const look = new Vec3(-Math.sin(yaw) * Math.cos(pitch), -Math.sin(pitch), Math.cos(yaw) * Math.cos(pitch))
    this.serv.dropItem(player.world, player.position.offset(0, EYE_HEIGHT - 0.3, 0), item,
      { velocity: look.scaled(6).offset(0, 2, 0), pickupDelayMs: 2000 })
    this.serv.emit('itemThrown', { player, item })
  }

  // ---- packets from the client ----

  onClick (packet) {
    const menu = this.current()
    const problem = checkClick(packet, menu)
    if (problem) {
      this.log.warn(`windows: ${this.player.username} sent a bad click (${problem}): ${describe(packet)}`)
      this.sendFull(menu)
      return
    }
    if (this.player.gameMode === 3) { // spectators look but do not touch (vanilla)
      this.sendFull(menu)
      return
    }
    const { slot, mouseButton, mode } = packet
    const stale = packet.stateId !== this.stateId
    const snapshot = this.snapshot(menu)
    try {
      this.engine.doClick(menu, slot, mouseButton, mode, this.clickContext())
    } catch (err) {
      this.restore(menu, snapshot)
      throw err
    }
    this.takePrediction(menu, packet)
    this.serv.emit('windowClick', { player: this.player, windowId: menu.id, slot, mouseButton, mode })
    this.flush({ full: stale, resultSlot: menu.craftingSlots.includes(slot) })
  }

  onClose (packet) {
    const windowId = packet?.windowId
    this.player.windowType = ''
    this.player.windowPos = undefined
    if (this.container && windowId === this.container.id) return this.closeContainer({ byServer: false })
    if (windowId === 0 && !this.container) {
      const menu = this.inventoryMenu
      const ctx = this.clickContext()
      menu.onClose(ctx, this)
      this.returnCarried(menu)
      this.flush()
      return
    }
    this.log.info(`windows: ${this.player.username} closed window ${windowId}, which is not open`)
  }

  onButton (packet) {
    const menu = this.current()
    const id = packet?.enchantment
    if (!this.container || packet?.windowId !== menu.id) {
      this.log.warn(`windows: ${this.player.username} pressed a button of window ${packet?.windowId}, which is not open`)
      return
    }
    const done = menu.clickButton(id, this.clickContext())
    // mineflayer's enchant() waits for slot 0: answer even a refusal, with the unchanged item.
    this.flush({ resultSlot: !done })
  }

  onDisconnect () {
    this.closed = true
    // vanilla: a disconnected player's open grids and cursor drop into the world
    if (this.container) {
      const menu = this.container
      this.container = null
      menu.onClose({ placeBack: (item) => this.dropAtFeet(item) }, this)
      this.dropAtFeet(menu.carried)
      menu.carried = null
    }
    this.dropAtFeet(this.inventoryMenu.carried)
    this.inventoryMenu.carried = null
  }

  /** The player died: the cursor and an open container's grid drop (or go back with keepInventory). */
  onDeath ({ keepInventory }) {
    const give = keepInventory ? (item) => this.placeBack(item) : (item) => this.dropAtFeet(item)
    if (this.container) {
      const menu = this.container
      this.container = null
      menu.onClose({ placeBack: give }, this)
      give(menu.carried)
      menu.carried = null
      this.rawWrite('close_window', { windowId: menu.id })
      this.sendFull(this.inventoryMenu)
    }
    give(this.inventoryMenu.carried)
    this.inventoryMenu.carried = null
    this.flush()
  }

  dropAtFeet (item) {
    if (!item || item.count <= 0) return
    if (typeof this.serv.dropItem !== 'function') {
      this.log.error(`windows: serv.dropItem is missing; ${item.count} ${item.name} of ${this.player.username} lost`)
      return
    }
    this.serv.dropItem(this.player.world, this.player.position.offset(0, 0.5, 0), item)
  }

  // ---- opening and closing containers ----

  nextWindowId () {
    this.windowCounter = this.windowCounter % 100 + 1 // vanilla cycles 1..100
    this.player.windowId = this.windowCounter // flying-squid's chests count from here
    return this.windowCounter
  }

  /** Open a container menu made by `make(windowId, typeId)` (closing what was open). */
  openContainer (type, make) {
    if (this.container) this.closeContainer({ byServer: true })
    this.returnCarried(this.inventoryMenu)
    this.flush() // the inventory window's view is settled before the container takes over
    const typeId = this.shared.menuTypes[type]
    const menu = make(this.nextWindowId(), typeId)
    this.container = menu
    menu.onOpen?.(this)
    this.rawWrite('open_window', { windowId: menu.id, inventoryType: typeId, windowTitle: titleNbt(menu.title) })
    this.sendFull(menu)
    // mineflayer starts listening for window properties only once the window has opened (after
    // window_items): send them again a game tick later, or it never learns values that do not change.
    this.serv.once('tick', () => {
      if (this.container !== menu) return
      menu.remoteProps = []
      this.guard('window properties', () => this.sendProperties(menu))
    })
    this.serv.emit('windowOpened', { player: this.player, windowId: menu.id, type })
    return menu
  }

  openCraftingTable (position) {
    return this.openContainer('minecraft:crafting', (id, typeId) => createCraftingTableMenu({
      id,
      typeId,
      invSlots: this.invSlots,
      engine: this.engine,
      book: this.shared.book,
      tools: this.tools,
      ctx: () => this.clickContext(),
      position,
      world: this.player.world,
      onCrafted: (item) => this.serv.emit('itemCrafted', { player: this.player, item })
    }))
  }

  openFurnace (position) {
    const s = this.shared.furnaces.stateAt(this.player.world, position)
    return this.openContainer('minecraft:furnace', (id, typeId) => this.shared.furnaces.menuFor({ id, typeId, s, invSlots: this.invSlots, player: this.player }))
  }

  openEnchantingTable (position, bookshelves) {
    return this.openContainer('minecraft:enchantment', (id, typeId) => createEnchantingMenu({
      id,
      typeId,
      invSlots: this.invSlots,
      engine: this.engine,
      tools: this.tools,
      player: this.player,
      serv: this.serv,
      position,
      world: this.player.world,
      bookshelves,
      log: this.log,
      newSeed: () => this.shared.newSeed()
    }))
  }

  /**
   * Close the open container: its grid goes back to the inventory, the cursor too. byServer: the client is
   * told (close_window); either way the client gets the whole inventory again (see below).
   */
  closeContainer ({ byServer }) {
    const menu = this.container
    if (!menu) return
    this.container = null
    menu.onClose(this.clickContext(), this)
    this.returnCarried(menu)
    if (byServer) {
      this.rawWrite('close_window', { windowId: menu.id })
      this.sendFull(this.inventoryMenu)
    } else {
      // The client closed it and copies the container's inventory part into its inventory window (vanilla's
      // transferState): only the slots it now has wrong are sent. Not the whole window: mineflayer starts its
      // next clicks without waiting, and a window_items that reaches it after them (a busy server, a real
      // network) is taken for the answer to a later click, with its empty cursor; a 2x2 craft of sticks right
      // after a table craft then put one plank in the grid and made an oak_button (issue 14).
      this.inheritRemote(menu)
      this.flush()
    }
    this.serv.emit('windowClosed', { player: this.player, windowId: menu.id, byServer })
  }

  /**
   * What the client's inventory window shows once it closed `menu`: the container's inventory part, except
   * that mineflayer keeps its old copy of a stack that differs only in components (an item just enchanted),
   * so such a slot is marked unknown and sent again.
   */
  inheritRemote (menu) {
    const inv = this.inventoryMenu
    for (let k = 9; k < 45; k++) {
      const shown = menu.remote[menu.invStart + k - 9]
      const before = inv.remote[k]
      inv.remote[k] = shown === before ? shown : sameTypeAndCount(shown, before) ? undefined : shown
    }
  }

  returnCarried (menu) {
    const carried = menu.carried
    menu.carried = null
    if (carried) this.placeBack(carried)
  }

  /** Close a container whose block is gone or that the player walked away from (vanilla stillValid). */
  checkStillValid () {
    const menu = this.container
    if (!menu || !menu.position) return
    const center = menu.position.offset(0.5, 0.5, 0.5)
    const far = this.player.position.offset(0, EYE_HEIGHT, 0).distanceTo(center) > STILL_VALID_DISTANCE
    const block = menu.world?.sync?.getBlock?.(menu.position)
    const gone = block && block.name !== menu.blockName
    if (far || gone) this.closeContainer({ byServer: true })
  }

  // ---- what the client is told ----

  nextStateId () {
    this.stateId = (this.stateId + 1) & 0x7fff
    return this.stateId
  }

  sendSlot (menu, i) {
    const item = menu.slots[i].get()
    this.rawWrite('set_slot', { windowId: menu.id, stateId: this.nextStateId(), slot: i, item: this.tools.toNotch(item) })
    menu.remote[i] = this.tools.clientKey(item)
  }

  /** The whole window: every slot, the cursor and the properties (vanilla sendAllDataToRemote). */
  sendFull (menu) {
    const items = menu.slots.map(s => s.get())
    this.rawWrite('window_items', {
      windowId: menu.id,
      stateId: this.nextStateId(),
      items: items.map(item => this.tools.toNotch(item)),
      carriedItem: this.tools.toNotch(menu.carried)
    })
    menu.remote = items.map(item => this.tools.clientKey(item))
    menu.remoteCarried = this.tools.clientKey(menu.carried)
    menu.remoteProps = []
    this.sendProperties(menu)
  }

  sendProperties (menu) {
    const props = menu.properties()
    if (!props) return
    const order = menu.propertyOrder || props.map((_, i) => i)
    for (const i of order) {
      if (menu.remoteProps[i] === props[i]) continue
      this.rawWrite('craft_progress_bar', { windowId: menu.id, property: i, value: props[i] })
      menu.remoteProps[i] = props[i]
    }
  }

  scheduleFlush () {
    if (this.flushScheduled || this.closed) return
    this.flushScheduled = true
    process.nextTick(() => {
      this.flushScheduled = false
      this.guard('flush', () => this.flush())
    })
  }

  /**
   * Send the client every slot it has wrong (vanilla broadcastChanges). full: the whole window instead (a
   * click on an out-of-date state, or a wrong cursor). resultSlot: always send slot 0 of the window, last.
   */
  flush ({ full = false, resultSlot = false } = {}) {
    if (this.closed) return
    const menu = this.current()
    if (full || this.tools.clientKey(menu.carried) !== menu.remoteCarried) {
      this.sendFull(menu)
    } else {
      this.sendChanged(menu, resultSlot ? 0 : -1)
      this.sendProperties(menu)
      if (resultSlot) this.sendSlot(menu, 0)
    }
    // with a container open, the inventory window still owns its grid, armour and offhand slots
    if (menu !== this.inventoryMenu) this.sendChanged(this.inventoryMenu, -1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 45])
  }

  sendChanged (menu, skip, only = null) {
    const indexes = only || menu.slots.map((_, i) => i)
    for (const i of indexes) {
      if (i === skip) continue
      const key = this.tools.clientKey(menu.slots[i].get())
      if (key !== menu.remote[i]) this.sendSlot(menu, i)
    }
  }

  /** What the client says it now shows becomes what we believe it shows (vanilla setRemoteSlotUnsafe). */
  takePrediction (menu, packet) {
    const changed = Array.isArray(packet.changedSlots) ? packet.changedSlots : []
    if (changed.length > MAX_CHANGED_SLOTS) {
      menu.remote.fill(undefined)
    } else {
      for (const entry of changed) {
        const loc = entry?.location
        if (Number.isInteger(loc) && loc >= 0 && loc < menu.slots.length) menu.remote[loc] = this.tools.clientKey(entry.item)
      }
    }
    menu.remoteCarried = this.tools.clientKey(packet.cursorItem)
  }

  snapshot (menu) {
    return {
      slots: menu.slots.map(s => (s.result ? null : s.get() && this.tools.copy(s.get()))),
      offhand: this.invSlots[45].get() && this.tools.copy(this.invSlots[45].get()),
      carried: menu.carried && this.tools.copy(menu.carried),
      drag: { ...menu.drag, slots: [...menu.drag.slots] }
    }
  }

  restore (menu, snap) {
    menu.slots.forEach((s, i) => { if (!s.result) s.set(snap.slots[i]) })
    this.invSlots[45].set(snap.offhand)
    menu.carried = snap.carried
    menu.drag = snap.drag
    this.log.error(`windows: a click of ${this.player.username} failed and was rolled back`)
  }
}

/** Why a window_click packet cannot be applied to `menu`, or null when it can. */
function checkClick (packet, menu) {
  if (!packet || typeof packet !== 'object') return 'no packet'
  const { windowId, slot, mouseButton, mode, stateId } = packet
  if (!Number.isInteger(windowId)) return 'window id is not an integer'
  if (windowId !== menu.id) return `window ${windowId} is not open (open: ${menu.id})`
  if (!Number.isInteger(slot)) return 'slot is not an integer'
  if (!(slot === -999 || slot === -1 || (slot >= 0 && slot < menu.slots.length))) return `slot ${slot} does not exist in a ${menu.slots.length}-slot window`
  if (!Number.isInteger(mouseButton)) return 'mouse button is not an integer'
  if (!Number.isInteger(mode) || mode < 0 || mode > 6) return `mode ${mode} does not exist`
  if (!Number.isInteger(stateId)) return 'state id is not an integer'
  return null
}

/** Two client keys (tools.clientKey: id|count|components|removed) of the same item type and count. */
function sameTypeAndCount (a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false
  return a.split('|', 2).join('|') === b.split('|', 2).join('|')
}

function describe (packet) {
  try {
    const { windowId, stateId, slot, mouseButton, mode } = packet || {}
    return JSON.stringify({ windowId, stateId, slot, mouseButton, mode })
  } catch {
    return String(packet)
  }
}

// anonymousNbt text component, as 1.21.4's open_window carries the title.
function titleNbt (translationKey) {
  return nbt.comp({ translate: nbt.string(translationKey || 'container.inventory') })
}

function * range (a, b) { for (let i = a; i < b; i++) yield i }

module.exports = { WindowSession, checkClick }
