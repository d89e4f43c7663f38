// Where the BLAS/LAPACK libraries are, for binding.gyp (`<!(node native/blas.cjs homebrew-openblas)`);
// CMakeLists.txt makes the same choice on its own. Prints a folder, or nothing when there is none.
//   homebrew-openblas   macOS: Homebrew's OpenBLAS prefix when it is installed with LAPACKE; otherwise
//                       the build uses Apple's Accelerate framework
//   windows-openblas    Windows: the OpenBLAS_DIR environment variable (an OpenBLAS with LAPACKE)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function homebrewOpenblas() {
  if (process.platform !== 'darwin') return '';
  const brew = spawnSync('brew', ['--prefix', 'openblas'], { encoding: 'utf8' });
  const prefix = brew.status === 0 ? brew.stdout.trim() : '';
  return prefix && fs.existsSync(path.join(prefix, 'include', 'lapacke.h')) ? prefix : '';
}

function windowsOpenblas() {
  return process.platform === 'win32' ? (process.env.OpenBLAS_DIR ?? '') : '';
}

if (require.main === module) {
  const which = process.argv[2];
  if (which === 'homebrew-openblas') process.stdout.write(homebrewOpenblas());
  else if (which === 'windows-openblas') process.stdout.write(windowsOpenblas());
  else {
    process.stderr.write(`native/blas.cjs: unknown query '${which}'\n`);
    process.exitCode = 2;
  }
}
module.exports = { homebrewOpenblas, windowsOpenblas };
