'use strict'
// Vanilla's container click rules (AbstractContainerMenu.doClick of Java 1.21), computed by the server from
// the click alone: the client's own prediction (changedSlots, cursorItem) is never trusted.
//
// A menu is { slots: [Slot], carried: Item|null, drag: {status, type, slots}, quickMove(index, ctx) }.
// A Slot is { get(), set(item), remove(n), mayPlace(item), mayPickup(), maxStackFor(item), onTake(item),
// result } (see storageSlot below); `ctx` gives what a click may need outside the menu:
// { creative, drop(item), placeBack(item), hotbarSlot(button) -> Slot }.
//
// Click modes (the window_click packet's `mode`): 0 pickup (left/right), 1 quick move (shift), 2 swap with a
// hotbar slot or the offhand (number keys, F), 3 clone (creative middle click), 4 throw (Q, ctrl+Q),
// 5 quick craft (drag), 6 pick all (double click).

const MAX_REPEATS = 128 // a quick move or throw repeats while the slot refills (crafting); never forever

function createClickEngine ({ copy, sameItem, maxStack }) {
  /**
   * A slot backed by get/set of a stored stack. Options: mayPlace(item), maxStack (the slot's own limit),
   * onTake(item), mayPickup().
   */
  function storageSlot (get, set, options = {}) {
    const slot = {
      get,
      set,
      result: false,
      mayPlace: options.mayPlace || (() => true),
      mayPickup: options.mayPickup || (() => true),
      maxStackFor: (item) => Math.min(options.maxStack ?? 64, maxStack(item)),
      onTake: options.onTake || (() => {}),
      remove (n) {
        const item = get()
        if (!item || n <= 0) return null
        const taken = copy(item, Math.min(n, item.count))
        item.count -= taken.count
        set(item.count > 0 ? item : null)
        return taken
      }
    }
    return slot
  }

  function doClick (menu, slotId, button, mode, ctx) {
    if (mode === 5) return quickCraft(menu, slotId, button, ctx)
    if (menu.drag.status !== 0) return resetDrag(menu) // any other click ends a drag
    if ((mode === 0 || mode === 1) && (button === 0 || button === 1)) {
      if (slotId === -999) return dropCarried(menu, button === 0, ctx)
      if (slotId < 0) return
      if (mode === 1) return quickMoveRepeated(menu, slotId, ctx)
      return pickup(menu, menu.slots[slotId], button === 0)
    }
    if (mode === 2 && ((button >= 0 && button < 9) || button === 40)) {
      if (slotId < 0) return
      return swap(menu, menu.slots[slotId], ctx.hotbarSlot(button), ctx)
    }
    if (mode === 3 && ctx.creative && !menu.carried && slotId >= 0) {
      const item = menu.slots[slotId].get()
      if (item) menu.carried = copy(item, maxStack(item))
      return
    }
    if (mode === 4 && !menu.carried && slotId >= 0) return throwFrom(menu, menu.slots[slotId], button, ctx)
    if (mode === 6 && slotId >= 0) return pickAll(menu, menu.slots[slotId], button)
  }

  function dropCarried (menu, all, ctx) {
    const carried = menu.carried
    if (!carried) return
    if (all) {
      menu.carried = null
      ctx.drop(carried)
      return
    }
    const one = copy(carried, 1)
    carried.count -= 1
    if (carried.count <= 0) menu.carried = null
    ctx.drop(one)
  }

  function quickMoveRepeated (menu, slotId, ctx) {
    const slot = menu.slots[slotId]
    if (!slot.mayPickup()) return
    let moved = menu.quickMove(slotId, ctx)
    for (let i = 0; i < MAX_REPEATS && moved; i++) {
      const now = slot.get()
      if (!now || now.type !== moved.type) break
      moved = menu.quickMove(slotId, ctx)
    }
  }

  function pickup (menu, slot, primary) {
    const slotItem = slot.get()
    const carried = menu.carried
    if (!slotItem) {
      if (carried) menu.carried = safeInsert(slot, carried, primary ? carried.count : 1)
      return
    }
    if (!slot.mayPickup()) return
    if (!carried) {
      const n = primary ? slotItem.count : Math.floor((slotItem.count + 1) / 2)
      const taken = tryRemove(slot, n, Infinity)
      if (taken) {
        menu.carried = taken
        slot.onTake(taken)
      }
    } else if (slot.mayPlace(carried)) {
      if (sameItem(slotItem, carried)) {
        menu.carried = safeInsert(slot, carried, primary ? carried.count : 1)
      } else if (carried.count <= slot.maxStackFor(carried)) {
        slot.set(carried)
        menu.carried = slotItem
      }
    } else if (sameItem(slotItem, carried)) {
      const taken = tryRemove(slot, slotItem.count, maxStack(carried) - carried.count)
      if (taken) {
        carried.count += taken.count
        slot.onTake(taken)
      }
    }
  }

  function swap (menu, slot, hotbar, ctx) {
    const invItem = hotbar.get()
    const slotItem = slot.get()
    if (!invItem && !slotItem) return
    if (invItem === slotItem) return // the key names the clicked slot itself
    if (!invItem) {
      if (!slot.mayPickup()) return
      const taken = slot.remove(slotItem.count)
      if (!taken) return
      hotbar.set(taken)
      slot.onTake(taken)
    } else if (!slotItem) {
      if (!slot.mayPlace(invItem)) return
      const max = slot.maxStackFor(invItem)
      if (invItem.count > max) {
        slot.set(copy(invItem, max))
        invItem.count -= max
        hotbar.set(invItem)
      } else {
        hotbar.set(null)
        slot.set(invItem)
      }
    } else if (slot.mayPickup() && slot.mayPlace(invItem)) {
      const max = slot.maxStackFor(invItem)
      if (invItem.count > max) {
        const taken = slot.remove(slotItem.count)
        slot.set(copy(invItem, max))
        invItem.count -= max
        hotbar.set(invItem)
        if (taken) {
          slot.onTake(taken)
          ctx.placeBack(taken)
        }
      } else {
        const taken = slot.remove(slotItem.count)
        hotbar.set(taken)
        slot.set(invItem)
        if (taken) slot.onTake(taken)
      }
    }
  }

  function throwFrom (menu, slot, button, ctx) {
    const item = slot.get()
    if (!item) return
    const n = button === 0 ? 1 : item.count
    let taken = safeTake(slot, n, Infinity)
    if (taken) ctx.drop(taken)
    if (button !== 1) return
    for (let i = 0; i < MAX_REPEATS && taken; i++) {
      const now = slot.get()
      if (!now || now.type !== taken.type) break
      taken = safeTake(slot, n, Infinity)
      if (taken) ctx.drop(taken)
    }
  }

  function pickAll (menu, slot, button) {
    const carried = menu.carried
    if (!carried || (slot.get() && slot.mayPickup())) return
    const n = menu.slots.length
    const start = button === 0 ? 0 : n - 1
    const step = button === 0 ? 1 : -1
    for (let pass = 0; pass < 2; pass++) {
      for (let i = start; i >= 0 && i < n && carried.count < maxStack(carried); i += step) {
        const s = menu.slots[i]
        const it = s.get()
        if (!it || s.result || !canQuickReplace(s, carried) || !s.mayPickup()) continue
        if (pass === 0 && it.count === maxStack(it)) continue
        const taken = safeTake(s, it.count, maxStack(carried) - carried.count)
        if (taken) carried.count += taken.count
      }
    }
  }

  // Drag: start (button 0/4/8 on slot -999), add a slot (1/5/9), end (2/6/10 on -999). Left drags split the
  // cursor evenly, right drags place one per slot, middle drags (creative) place full stacks.
  function quickCraft (menu, slotId, button, ctx) {
    const d = menu.drag
    const prev = d.status
    d.status = button & 3
    if ((prev !== 1 || d.status !== 2) && prev !== d.status) return resetDrag(menu)
    if (!menu.carried) return resetDrag(menu)
    if (d.status === 0) {
      d.type = (button >> 2) & 3
      if (d.type === 0 || d.type === 1 || (d.type === 2 && ctx.creative)) {
        d.status = 1
        d.slots = []
      } else resetDrag(menu)
    } else if (d.status === 1) {
      const slot = slotId >= 0 ? menu.slots[slotId] : null
      const carried = menu.carried
      if (slot && !slot.result && canQuickReplace(slot, carried) && slot.mayPlace(carried) &&
        (d.type === 2 || carried.count > d.slots.length) && !d.slots.includes(slotId)) {
        d.slots.push(slotId)
      }
    } else if (d.status === 2) {
      const slots = d.slots
      const type = d.type
      resetDrag(menu)
      if (slots.length === 1) return doClick(menu, slots[0], type, 0, ctx)
      if (slots.length > 1) spreadCarried(menu, slots, type)
    } else resetDrag(menu)
  }

  function spreadCarried (menu, slotIds, type) {
    const carried = menu.carried
    const model = copy(carried)
    let remaining = carried.count
    for (const id of slotIds) {
      const slot = menu.slots[id]
      if (!canQuickReplace(slot, carried) || !slot.mayPlace(carried) || (type !== 2 && carried.count < slotIds.length)) continue
      const existing = slot.get() ? slot.get().count : 0
      const max = Math.min(maxStack(model), slot.maxStackFor(model))
      const each = type === 0 ? Math.floor(model.count / slotIds.length) : type === 1 ? 1 : maxStack(model)
      const target = Math.min(each + existing, max)
      remaining -= target - existing
      slot.set(copy(model, target))
    }
    menu.carried = remaining > 0 ? copy(model, remaining) : null
  }

  function resetDrag (menu) {
    menu.drag.status = 0
    menu.drag.slots = []
  }

  // Slot.tryRemove: result slots (mayPlace false) give their whole stack or nothing.
  function tryRemove (slot, count, limit) {
    if (!slot.mayPickup()) return null
    const item = slot.get()
    if (!item) return null
    const modifiable = slot.mayPlace(item)
    if (!modifiable && limit < item.count) return null
    const n = Math.min(count, limit)
    if (n <= 0) return null
    const taken = slot.remove(n)
    return taken && taken.count > 0 ? taken : null
  }

  function safeTake (slot, count, limit) {
    const taken = tryRemove(slot, count, limit)
    if (taken) slot.onTake(taken)
    return taken
  }

  // Slot.safeInsert: put up to n of `stack` into the slot; returns what is left of `stack` (null if none).
  function safeInsert (slot, stack, n) {
    if (!stack || !slot.mayPlace(stack)) return stack
    const cur = slot.get()
    const room = slot.maxStackFor(stack) - (cur ? cur.count : 0)
    const k = Math.min(n, stack.count, room)
    if (k <= 0) return stack
    if (!cur) slot.set(copy(stack, k))
    else if (sameItem(cur, stack)) {
      cur.count += k
      slot.set(cur)
    } else return stack
    stack.count -= k
    return stack.count > 0 ? stack : null
  }

  function canQuickReplace (slot, stack) {
    const it = slot.get()
    if (!it) return true
    return sameItem(stack, it) && it.count <= maxStack(stack)
  }

  // AbstractContainerMenu.moveItemStackTo: merge into matching stacks of [start, end), then the first empty
  // slot that takes it. Mutates `stack`; true when anything moved.
  function moveItemStackTo (menu, stack, start, end, reverse) {
    let moved = false
    const step = reverse ? -1 : 1
    if (maxStack(stack) > 1) {
      for (let i = reverse ? end - 1 : start; stack.count > 0 && i >= start && i < end; i += step) {
        const slot = menu.slots[i]
        const s = slot.get()
        if (!s || !sameItem(stack, s)) continue
        const k = slot.maxStackFor(s)
        if (s.count + stack.count <= k) {
          s.count += stack.count
          stack.count = 0
          slot.set(s)
          moved = true
        } else if (s.count < k) {
          stack.count -= k - s.count
          s.count = k
          slot.set(s)
          moved = true
        }
      }
    }
    if (stack.count > 0) {
      for (let i = reverse ? end - 1 : start; i >= start && i < end; i += step) {
        const slot = menu.slots[i]
        if (slot.get() || !slot.mayPlace(stack)) continue
        const n = Math.min(stack.count, slot.maxStackFor(stack))
        slot.set(copy(stack, n))
        stack.count -= n
        moved = true
        break
      }
    }
    return moved
  }

  /**
   * The common body of the menus' quickMoveStack: try each route in turn (a route is [start, end, reverse] or
   * a function (stack) -> moved) until one moves something. Returns a copy of the stack as it was, or null
   * when nothing moved. A result slot's leftover that found no room is dropped (vanilla).
   */
  function quickMoveBy (menu, index, routes, ctx) {
    const slot = menu.slots[index]
    const stack = slot.get()
    if (!stack) return null
    const original = copy(stack)
    let moved = false
    for (const route of routes) {
      moved = typeof route === 'function' ? route(stack) : moveItemStackTo(menu, stack, route[0], route[1], route[2])
      if (moved) break
    }
    if (!moved) return null
    if (!slot.result) slot.set(stack.count > 0 ? stack : null)
    if (stack.count === original.count) return null
    const taken = copy(original, original.count - stack.count)
    slot.onTake(taken)
    if (slot.result && stack.count > 0) ctx.drop(copy(stack))
    return original
  }

  return { storageSlot, doClick, moveItemStackTo, quickMoveBy, tryRemove, safeInsert }
}

function newDragState () {
  return { status: 0, type: 0, slots: [] }
}

module.exports = { createClickEngine, newDragState, MAX_REPEATS }
