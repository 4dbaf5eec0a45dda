'use strict'
// XP points and levels as vanilla counts them, sent to the client with the `experience` packet.
// Other plugins award XP through player.giveXp (ores, smelting, mob kills) and spend levels through
// player.spendXpLevels (enchanting). XP is given straight to the player instead of as orbs: the amount and
// the level curve are vanilla, only the orb entity is skipped.

/** Points needed to go from level L to L+1 (vanilla). */
function pointsToNextLevel (level) {
  if (level <= 15) return 2 * level + 7
  if (level <= 30) return 5 * level - 38
  return 9 * level - 158
}

/** Total points at the start of a level. */
function pointsAtLevel (level) {
  let total = 0
  for (let l = 0; l < level; l++) total += pointsToNextLevel(l)
  return total
}

/** Level and progress (0..1) for a total number of points. */
function levelForPoints (points) {
  let level = 0
  let left = points
  while (left >= pointsToNextLevel(level)) {
    left -= pointsToNextLevel(level)
    level++
  }
  return { level, progress: left / pointsToNextLevel(level) }
}

module.exports.pointsToNextLevel = pointsToNextLevel
module.exports.pointsAtLevel = pointsAtLevel
module.exports.levelForPoints = levelForPoints

module.exports.player = function (player, serv) {
  player.xp = 0

  function setTotalPoints (points) {
    player.xp = Math.max(0, Math.floor(points))
    const { level, progress } = levelForPoints(player.xp)
    player.level = level
    player.xpLevel = level
    player.displayXp = progress
    player._client.write('experience', { experienceBar: progress, level, totalExperience: player.xp })
  }

  player.giveXp = (points) => {
    if (!Number.isFinite(points) || points <= 0) return
    setTotalPoints(player.xp + points)
    serv.emit('xpGained', { player, points })
  }

  /** Vanilla keeps the progress inside the level when levels are spent (enchanting). */
  player.spendXpLevels = (levels) => {
    const { level, progress } = levelForPoints(player.xp)
    const target = Math.max(0, level - levels)
    setTotalPoints(pointsAtLevel(target) + progress * pointsToNextLevel(target))
  }

  // flying-squid's own experience plugin defines setXp with a level formula of its own; keep one source of
  // truth so that /xp (an op command) and our rules agree.
  setImmediate(() => {
    player.setXp = (xp) => setTotalPoints(xp)
    player.setXpLevel = (level) => setTotalPoints(pointsAtLevel(level))
    player.xpLevel = 0
    player.level = 0
  })
}
