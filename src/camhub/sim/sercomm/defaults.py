"""Factory defaults of every configuration group of seed 004, in the document's order.

Each group is the text ``/adm/get_group.cgi`` serves (without its ``[NAME]`` line);
``{model}`` stands for the model name.
"""

from __future__ import annotations


def parse_keys(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.strip().splitlines():
        key, _, value = line.strip().partition("=")
        out[key] = value
    return out


def _numbered(prefix: str, n: int, value: str = "", start: int = 1) -> str:
    return "\n".join(f"{prefix}{i}={value}" for i in range(start, start + n))


_ZEROS20 = ",".join(["0"] * 20)

DEFAULTS: dict[str, str] = {
    "Manufacture": """def_name=
default_ip=192.168.0.99/255.255.255.0
max_user=20
summer_chg=1
conf_status=1""",
    "SYSTEM": """cfg_ver={model}_XANBOO_0001
host_name=MyCamera
comment=
time_format=24
date_format=1
time_zone=26
daylight_saving=1
ntp_mode=1
ntp_server=clock.via.net
ntp_date=0
ntp_hour=6
ntp_min=1
led_mode=1
reboot_time=2015-10-13 06:46:54
boot_up_time=2015-10-13 11:55:22
reboot_reason=Reboot by Internal (Reason: hydra is gone)
wd_timer_wifi=20
wd_timer_idled=300
wd_timer_acted=180
wd_reboot_num=347
wd_reboot_time=1444713006;1444585286""",
    "LOG": """log_mode=1
log_level=3
syslog_mode=0
syslog_server=
syslog_port=514
im_mode=0
im_server=
im_account=
im_password=
im_sendto=
im_message=
ftplog_mode=1
smtplog_mode=1
systemlog_mode=1
imlog_mode=1""",
    "NETWORK": """ip_addr=192.168.0.42
netmask=255.255.255.0
gateway=192.168.0.1
dhcp=1
dns_type=1
dns_server1=192.168.0.1
dns_server2=8.8.8.8
wins_type=0
wins_ip=""",
    "WIRELESS": """wlan_type=1
wlan_essid=MyNetwork
wlan_channel=0
wlan_domain=5
wlan_security=2
wep_authtype=2
wep_mode=1
wep_index=1
wep_ascii=
wep_kep1=
wep_kep2=
wep_kep3=
wep_kep4=
wpa_ascii=
wmm=0
connection_mode=0
wpa_ep_auth_type=1
wpa_tls_user=
wpa_tls_priv_keypass=
wpa_ttls_auth_type=2
wpa_ttls_user=
wpa_ttls_pass=
wpa_ttls_anony_name=""",
    "DDNS": """ddns_mode=0
ddns_service=
ddns_account=
ddns_password=
ddns_host_name=
ddns_hour=12
ddns_minute=
ddns_update_unit=3
ddns_update_period=10""",
    "HTTP": """http_mode=1
http_port2=1
http_port2_num=8080
https_mode=1
ssport_enable=0
ssport_number=1025""",
    "RTSP_RTP": """rtsp_port=554
rtp_port=5000
rtp_size=1400
mcast_enable=0
mcast_video_enable=0
mcast_video_addr=224.2.0.1
mcast_video_port=2240
mcast_h264_enable=0
mcast_h264_addr=224.2.0.1
mcast_h264_port=2242
mcast_audio_enable=0
mcast_audio_addr=224.2.0.1
mcast_audio_port=2244
mcast_hops=16""",
    "UPNP": """upnp_mode=0
upnp_traversal=
upnp_camera=""",
    "EMAIL": """smtp_enable=1
smtp_server=
pop_server=
smtp_port=465
smtp_auth=1
smtp_account=
smtp_password=
smtp2_enable=0
smtp2_server=
pop2_server=
smtp2_port=25
smtp2_auth=0
smtp2_account=
smtp2_password=
from_addr=
from_addr2=
to_addr1=
to_addr2=
to_addr3=
send_email=1
email_att=7
subject=
smtp_serv_flag=1
smtp2_serv_flag=1""",
    "FTP": """ftp1=1
ftp1_server=
ftp1_account=
ftp1_passwd=
ftp1_path=
ftp1_passive=1
ftp1_port=21
ftp2=0
ftp2_server=
ftp2_account=
ftp2_passwd=
ftp2_path=
ftp2_passive=0
ftp2_port=21""",
    "SMBC": """smbc_enable=1
smbc_server=
smbc_path=
smbc_account=
smbc_passwd=
smbc_rec_enable=0
smbc_rec_file_ctrl=1
smbc_rec_filesize=0
smbc_rec_duration=15
smbc_rec_streaming=1
smbc_rec_mode=1
smbc_rec_server=
smbc_rec_path=
smbc_rec_account=
smbc_rec_passwd=
smbc_rec_filename_prefix=
smbc_rec_behavior=0,0,1
smbc_rec_schedule=
smbc_rec_bymd_fn_prefix=
smbc_rec_bymd_len=""",
    "VIDEO": "video_schedule=0\n"
    + _numbered("video_define", 10)
    + """
time_stamp=1
text_overlay=0
text=
power_line=50
color=0
exposure=4
sharpness=4
flip=0
mirror=0
hue=4
saturation=4
contrast=4
default_channel=1
"""
    + _numbered("mask_window", 4, "0")
    + "\n"
    + _numbered("mask_color", 4, "888888")
    + "\n"
    + _numbered("mask_position", 4, "160,180,480,300")
    + "\nnight_mode=0",
    "H264": """mode=1
resolution=4
quality_type=1
quality_level=5
bit_rate=768
frame_rate=25
gov_length=25
sp_uri=
mode2=1
resolution2=2
quality_type2=0
quality_level2=3
bit_rate2=256
frame_rate2=10
gov_length2=10
sp_uri2=
mode3=1
resolution3=2
quality_type3=0
quality_level3=3
bit_rate3=64
frame_rate3=10
gov_length3=10
sp_uri3=
bandwidth=0
profile=66
cropping=0
bandwidth2=0
profile2=66
cropping2=0
bandwidth3=0
profile3=66
cropping3=0""",
    "MPEG4": """mode=1
resolution=3
quality_type=1
quality_level=5
bit_rate=256
frame_rate=25
gov_length=10
sp_uri=
mode2=0
resolution2=1
quality_type2=1
quality_level2=3
bit_rate2=256
frame_rate2=15
gov_length2=10
sp_uri2=
mode3=0
resolution3=3
quality_type3=1
quality_level3=3
bit_rate3=1000
frame_rate3=15
gov_length3=10
sp_uri3=
bandwidth=0
cropping=0
bandwidth2=0
cropping2=0
bandwidth3=0
cropping3=0""",
    "JPEG": """mode=1
resolution=4
quality_level=3
frame_rate=15
sp_uri=
mode2=0
resolution2=1
quality_level2=3
frame_rate2=15
sp_uri2=
mode3=0
resolution3=3
quality_level3=3
frame_rate3=30
sp_uri3=
bandwidth=0
cropping=0
bandwidth2=0
cropping2=0
bandwidth3=0
cropping3=0""",
    "STREAMS": """channel1=H264,1
channel2=JPEG,2
channel3=MPEG4,3""",
    "AUDIO": """audio_in=1
in_volume=1
in_audio_type=1
audio_out=0
out_volume=8
out_audio_type=0
audio_mode=1
operation_mode=1
in_pcm_sr=8000
audio_in2=1
in_pcm_sr2=5512
in_audio_type2=3
au_trigger_en=0
au_trigger_volume=50
au_trigger_method=0""",
    "USER": """login_check=1
admin_timeout=5
admin_name=admin
admin_password=
viewer_name=demo
viewer_password=
user1=viewer,
"""
    + _numbered("user", 19, start=2)
    + f"""
audio_in_ctrl=1,{",".join(["0"] * 19)}
audio_out_ctrl=1,{",".join(["0"] * 19)}
pt_ctrl={_ZEROS20}
adm_ctrl=0
io_ctrl={_ZEROS20}""",
    "IP_FILTER": "ip_filter=0\nip_filter_rule=0\n" + _numbered("ip_filter", 20),
    "MOTION": "md_mode=1\nmd_switch1=1\n"
    + _numbered("md_switch", 3, "0", start=2)
    + "\n"
    + "\n".join(f"md_name{i}=Window {i}" for i in range(1, 5))
    + "\nmd_window1=0,0,639,479\n"
    + _numbered("md_window", 3, "0,0,160,120", start=2)
    + "\nmd_threshold1=80\n"
    + _numbered("md_threshold", 3, "127", start=2)
    + "\n"
    + _numbered("md_sensitivity", 4, "6")
    + "\n"
    + _numbered("md_update_freq", 4, "90")
    + "\nmd_point=0,0",
    "IO": """in1_trigger=0
in2_trigger=0
in1_type=3
in2_type=0
out1_init=1
out2_init=1
out1_button=0,0,10
out2_button=0,0,10
out1_action=1
out2_action=1
out1_pulse_duration=10
out2_pulse_duration=10""",
    "EVENT": "event_trigger=0\nevent_schedule=1\n"
    + _numbered("event_define", 10)
    + """
event_interval=0
event_mt=email:0;ftpu:1;httpn:0;httppost:0;smbc:0
event_attach=mp4,1,5,10
event_audio=email:0;ftpu:1;httpn:0;httppost:0;smbc:0
event_httpc=email:0;ftpu:0;httpn:0;httppost:0;smbc:0""",
    "QOS": """qos_enable=0
qos_dscp=32
qos_av_switch=0""",
    "MCWS": """url_periodic=
url_event=
expire_hours=0""",
    "HTTP_NOTIFY": """http_notify=1
http_url=
http_proxy=
http_proxy_no=80
http_method=1
http_user=
http_password=
proxy_user=
proxy_password=
event_data_flag=0""",
    "HTTP_EVENT": """http_event_en=0
http_post_en=0
http_post_user=
http_post_pass=
http_post_url=""",
    "PPPOE": """pppoe_enable=0
pppoe_username=
pppoe_password=
pppoe_dod=0
pppoe_idle_time=300
pppoe_redial_time=30
pppoe_hostname=
pppoe_mtu_type=0
pppoe_mtu=1492""",
    "BONJOUR": """bonjour_name={model}-92fff7
bonjour_mode=0""",
    "SDCARD": """sdcard_rec_enable=0
sdcard_rec_event_enable=0
sdcard_rec_audio_enable=0
sdcard_rec_file_ctrl=1
sdcard_rec_file_size=10
sdcard_rec_disk_ctrl=0
sdcard_rec_duration=60
sdcard_rec_stream_id=1
sdcard_rec_filename_prefix=
sdcard_rec_event_prefix=
sdcard_rec_schedule=
"""
    + _numbered("sdcard_rec_schedule", 10),
    "PTZ": "PtzMode=1\nPtzMdMutex=2\n"
    + _numbered("Preset", 9, "").replace("=", "Name=")
    + "\n"
    + _numbered("Preset", 9, "").replace("=", "Position=")
    + "\nPatrol1Position=\nPredefineHome=0,0\nPatrolInterval=\nPatrolStyle=0",
}
