#!/usr/bin/env python3
"""mkdisk.py BOOT.bin OUT.img SIZE: an image with BOOT.bin at LBA 0 and, from
LBA 16 on, every sector starting with its own LBA (little-endian dword)."""
import struct, sys
boot, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = bytearray(size)
b = open(boot, 'rb').read()
data[:len(b)] = b
for lba in range(16, size // 512):
    data[lba*512:lba*512+4] = struct.pack('<I', lba)
open(out, 'wb').write(data)
