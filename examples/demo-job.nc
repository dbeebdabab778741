(minifactory demo job: a pocket outline and a circle, about 17 s on the demo machine)
G10 L20 P1 X0 Y0 Z0 (work zero where the machine stands)
G21 G90 G17 G94 G54
M3 S800
G0 Z5
G0 X0 Y0
G1 Z-1 F300
G1 X40 F1200
G1 Y30
G1 X0
G1 Y0
G0 Z5
G0 X20 Y15
G0 X30
G1 Z-1 F300
G2 X30 Y15 I-10 J0 F900
G0 Z5
G0 X0 Y0
M5
M30
